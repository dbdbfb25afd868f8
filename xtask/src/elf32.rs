//! Just enough ELF32 reading for the microcontroller images: section sizes
//! (for `size`) and the symbol table (for the embedded-test list).
//!
//! `elf.rs` reads the 64-bit Linux programs; the MCU images are 32-bit
//! little-endian (Arm, RISC-V), whose headers have a different layout, so
//! they get this small reader of their own rather than a generic one.

use std::path::Path;

const SHT_SYMTAB: u32 = 2;
const SHT_NOBITS: u32 = 8;
const SHF_WRITE: u32 = 1;
const SHF_ALLOC: u32 = 2;

/// `e_machine` values of the targets we run.
pub const EM_ARM: u16 = 40;
pub const EM_RISCV: u16 = 243;

pub struct Elf32 {
    pub bytes: Vec<u8>,
    pub machine: u16,
    pub sections: Vec<Section32>,
    pub symbols: Vec<Symbol32>,
}

#[derive(Clone, Debug)]
pub struct Section32 {
    pub name: String,
    pub sh_type: u32,
    pub flags: u32,
    pub addr: u32,
    pub offset: u32,
    pub size: u32,
}

#[derive(Clone, Debug)]
pub struct Symbol32 {
    pub name: String,
    pub value: u32,
    pub size: u32,
    /// Index of the section the symbol is defined in.
    pub shndx: u16,
}

/// Berkeley-style sizes, as `size(1)` reports them: text = allocated and
/// read-only (vector table, code, rodata), data = allocated, writable, with
/// contents (it costs flash *and* RAM), bss = allocated zero-fill (RAM only;
/// this includes the stack reservation if the linker script makes a section
/// for it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sizes32 {
    pub text: u64,
    pub data: u64,
    pub bss: u64,
}

fn u16_at(b: &[u8], o: usize) -> Result<u16, String> {
    b.get(o..o + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| "truncated ELF".to_owned())
}

fn u32_at(b: &[u8], o: usize) -> Result<u32, String> {
    b.get(o..o + 4)
        .map(|s| u32::from_le_bytes(s.try_into().unwrap()))
        .ok_or_else(|| "truncated ELF".to_owned())
}

fn cstr_at(b: &[u8], o: usize) -> String {
    let Some(s) = b.get(o..) else {
        return String::new();
    };
    let n = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    String::from_utf8_lossy(&s[..n]).into_owned()
}

impl Elf32 {
    pub fn read(path: &Path) -> Result<Elf32, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Elf32::parse(bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(bytes: Vec<u8>) -> Result<Elf32, String> {
        if bytes.len() < 52 || &bytes[..4] != b"\x7fELF" {
            return Err("not an ELF file".into());
        }
        if bytes[4] != 1 || bytes[5] != 1 {
            return Err("not a little-endian ELF32 file".into());
        }
        let b = &bytes;
        let machine = u16_at(b, 18)?;
        let shoff = u32_at(b, 32)? as usize;
        let shentsize = u16_at(b, 46)? as usize;
        let shnum = u16_at(b, 48)? as usize;
        let shstrndx = u16_at(b, 50)? as usize;
        // (name offset, type, flags, addr, offset, size, link)
        let mut raw = Vec::with_capacity(shnum);
        for i in 0..shnum {
            let o = shoff + i * shentsize;
            raw.push((
                u32_at(b, o)?,
                u32_at(b, o + 4)?,
                u32_at(b, o + 8)?,
                u32_at(b, o + 12)?,
                u32_at(b, o + 16)?,
                u32_at(b, o + 20)?,
                u32_at(b, o + 24)?,
            ));
        }
        let shstr_off = raw.get(shstrndx).map(|s| s.4 as usize).unwrap_or(0);
        let sections: Vec<Section32> = raw
            .iter()
            .map(|&(name, sh_type, flags, addr, offset, size, _)| Section32 {
                name: cstr_at(b, shstr_off + name as usize),
                sh_type,
                flags,
                addr,
                offset,
                size,
            })
            .collect();
        let mut symbols = Vec::new();
        for &(_, sh_type, _, _, offset, size, link) in &raw {
            if sh_type != SHT_SYMTAB {
                continue;
            }
            let str_off = raw.get(link as usize).map(|s| s.4 as usize).unwrap_or(0);
            // Elf32_Sym: name u32, value u32, size u32, info u8, other u8, shndx u16.
            for i in 0..(size as usize / 16) {
                let o = offset as usize + i * 16;
                symbols.push(Symbol32 {
                    name: cstr_at(b, str_off + u32_at(b, o)? as usize),
                    value: u32_at(b, o + 4)?,
                    size: u32_at(b, o + 8)?,
                    shndx: u16_at(b, o + 14)?,
                });
            }
        }
        Ok(Elf32 {
            bytes,
            machine,
            sections,
            symbols,
        })
    }

    pub fn section(&self, name: &str) -> Option<(usize, &Section32)> {
        self.sections
            .iter()
            .enumerate()
            .find(|(_, s)| s.name == name)
    }

    /// The bytes at virtual address `addr`, looked up in the loaded sections
    /// that have file contents (code, rodata, data).
    pub fn read_vaddr(&self, addr: u32, len: usize) -> Option<&[u8]> {
        let s = self.sections.iter().find(|s| {
            s.flags & SHF_ALLOC != 0
                && s.sh_type != SHT_NOBITS
                && addr >= s.addr
                && (addr as u64 + len as u64) <= s.addr as u64 + s.size as u64
        })?;
        let start = s.offset as usize + (addr - s.addr) as usize;
        self.bytes.get(start..start + len)
    }

    /// The bytes of section `index` at section-relative offset `rel`.
    pub fn read_in_section(&self, index: usize, rel: u32, len: usize) -> Option<&[u8]> {
        let s = self.sections.get(index)?;
        if s.sh_type == SHT_NOBITS || rel as u64 + len as u64 > s.size as u64 {
            return None;
        }
        let start = s.offset as usize + rel as usize;
        self.bytes.get(start..start + len)
    }

    pub fn sizes(&self) -> Sizes32 {
        let mut out = Sizes32::default();
        // riscv-rt's `.stack` and `.heap` are reservations spanning the rest
        // of RAM, not program data.
        for s in self
            .sections
            .iter()
            .filter(|s| s.flags & SHF_ALLOC != 0 && s.name != ".stack" && s.name != ".heap")
        {
            if s.sh_type == SHT_NOBITS {
                out.bss += s.size as u64;
            } else if s.flags & SHF_WRITE != 0 {
                out.data += s.size as u64;
            } else {
                out.text += s.size as u64;
            }
        }
        out
    }
}
