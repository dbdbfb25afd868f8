//! Just enough ELF64 reading to check what the freestanding programs are:
//! their type, their program headers and their section sizes.

pub const ET_EXEC: u16 = 2;
pub const PT_DYNAMIC: u32 = 2;
pub const PT_INTERP: u32 = 3;
const SHT_NOBITS: u32 = 8;
const SHF_WRITE: u64 = 1;
const SHF_ALLOC: u64 = 2;

pub struct Elf {
    pub e_type: u16,
    /// `e_machine`: 62 is x86-64, 183 is aarch64.
    #[allow(dead_code)]
    pub machine: u16,
    pub program_header_types: Vec<u32>,
    pub sections: Vec<Section>,
    pub file_size: u64,
}

pub struct Section {
    pub name: String,
    pub sh_type: u32,
    pub flags: u64,
    pub size: u64,
}

/// Berkeley-style sizes (`size(1)`): text = allocated read-only (code and
/// rodata), data = allocated writable with file contents, bss = allocated,
/// writable, zero-filled.
#[derive(Default, Clone, Copy, Debug, PartialEq)]
pub struct Sizes {
    pub text: u64,
    pub data: u64,
    pub bss: u64,
    pub file: u64,
}

impl Elf {
    pub fn parse(bytes: &[u8]) -> Result<Elf, String> {
        if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" {
            return Err("not an ELF file".into());
        }
        if bytes[4] != 2 || bytes[5] != 1 {
            return Err("not a little-endian ELF64 file".into());
        }
        let u16_at = |o: usize| -> Result<u16, String> {
            bytes
                .get(o..o + 2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .ok_or("truncated".into())
        };
        let u32_at = |o: usize| -> Result<u32, String> {
            bytes
                .get(o..o + 4)
                .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
                .ok_or("truncated".into())
        };
        let u64_at = |o: usize| -> Result<u64, String> {
            bytes
                .get(o..o + 8)
                .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
                .ok_or("truncated".into())
        };
        let e_type = u16_at(16)?;
        let machine = u16_at(18)?;
        let phoff = u64_at(32)? as usize;
        let shoff = u64_at(40)? as usize;
        let phentsize = u16_at(54)? as usize;
        let phnum = u16_at(56)? as usize;
        let shentsize = u16_at(58)? as usize;
        let shnum = u16_at(60)? as usize;
        let shstrndx = u16_at(62)? as usize;
        let mut program_header_types = Vec::new();
        for i in 0..phnum {
            program_header_types.push(u32_at(phoff + i * phentsize)?);
        }
        let mut raw = Vec::new();
        for i in 0..shnum {
            let o = shoff + i * shentsize;
            raw.push((
                u32_at(o)?,
                u32_at(o + 4)?,
                u64_at(o + 8)?,
                u64_at(o + 24)?,
                u64_at(o + 32)?,
            ));
        }
        let strtab = raw.get(shstrndx).map(|s| (s.3 as usize, s.4 as usize));
        let name_of = |off: u32| -> String {
            let Some((base, len)) = strtab else {
                return String::new();
            };
            let start = base + off as usize;
            let end = (base + len).min(bytes.len());
            if start >= end {
                return String::new();
            }
            let s = &bytes[start..end];
            let n = s.iter().position(|&b| b == 0).unwrap_or(s.len());
            String::from_utf8_lossy(&s[..n]).into_owned()
        };
        let sections = raw
            .iter()
            .map(|&(name, sh_type, flags, _off, size)| Section {
                name: name_of(name),
                sh_type,
                flags,
                size,
            })
            .collect();
        Ok(Elf {
            e_type,
            machine,
            program_header_types,
            sections,
            file_size: bytes.len() as u64,
        })
    }

    pub fn read(path: &std::path::Path) -> Result<Elf, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Elf::parse(&bytes)
    }

    pub fn has_interp(&self) -> bool {
        self.program_header_types.contains(&PT_INTERP)
    }

    pub fn has_dynamic(&self) -> bool {
        self.program_header_types.contains(&PT_DYNAMIC)
            || self.sections.iter().any(|s| s.name == ".dynamic")
    }

    pub fn sizes(&self) -> Sizes {
        let mut s = Sizes {
            file: self.file_size,
            ..Sizes::default()
        };
        for sec in self.sections.iter().filter(|s| s.flags & SHF_ALLOC != 0) {
            if sec.sh_type == SHT_NOBITS {
                s.bss += sec.size;
            } else if sec.flags & SHF_WRITE != 0 {
                s.data += sec.size;
            } else {
                s.text += sec.size;
            }
        }
        s
    }
}
