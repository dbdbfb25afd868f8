//! Self-relocation of a static position-independent executable.
//!
//! cargo's default output for `x86_64-unknown-none` is a static-PIE: an
//! `ET_DYN` image with no interpreter, loaded at an address the kernel picks,
//! whose pointers stored in memory (a `&'static str` inside a `static`, a
//! vtable, a GOT entry) are only correct once someone adds the load address
//! to them. A C library's start-up files do that; here `_start` calls
//! [`relocate_self`] first, which walks the image's `_DYNAMIC` table and
//! applies its `R_*_RELATIVE` relocations (`DT_RELA`, `DT_REL`, `DT_RELR`).
//! A static non-PIE executable has no `PT_DYNAMIC` segment and nothing is
//! done. The project's own programs are linked so and compiled with
//! `--cfg bitwake_no_pie`, which leaves the relocation code out and keeps
//! only the check that the image really is not a PIE.
//!
//! This code runs before the relocations are applied, so it must not read a
//! pointer from memory that needs one, and in a static-PIE that includes the
//! GOT through which unoptimised code calls library functions. It therefore
//! calls nothing but its own functions and inline syscalls: no `core`
//! generics (a debug build calls their shared copies through the GOT), no
//! `core::fmt` (vtables), no slice indexing or `unwrap` (panics format), no
//! struct copies (they may become `memcpy` calls), only scalar locals,
//! wrapping arithmetic and unaligned loads and stores through a packed
//! struct. `cargo xtask test` disassembles a debug static-PIE and checks
//! that these functions make no indirect call. What the image needs beyond
//! `RELATIVE` ends the process with a message on stderr and
//! [`FAILED_STATUS`], before any of the program runs.

// With `--cfg bitwake_no_pie` only the check that the image is not a PIE
// is used; the relocation code stays for the host tests.
#![cfg_attr(bitwake_no_pie, allow(dead_code))]

use bitwake_arch::{nr, reloc, syscall1_noreturn, syscall3};

/// The exit status of a program whose start-up could not relocate it
/// (`EX_CONFIG` of `sysexits.h`: the build configuration must change).
pub const FAILED_STATUS: i32 = 78;

// Auxiliary vector keys (`<elf.h>`).
const AT_NULL: usize = 0;
const AT_PHDR: usize = 3;
const AT_PHENT: usize = 4;
const AT_PHNUM: usize = 5;
const AT_PAGESZ: usize = 6;
const AT_BASE: usize = 7;

// ELF64 program headers: 56 bytes; the type is the first u32, then flags,
// offset, vaddr, paddr, filesz, memsz (u64 each).
const PHDR_SIZE: usize = 56;
const PHDR_VADDR: usize = 16;
const PHDR_MEMSZ: usize = 40;
const PT_DYNAMIC: usize = 2;
const PT_GNU_RELRO: usize = 0x6474_e552;

// Dynamic section tags.
const DT_NULL: usize = 0;
const DT_PLTRELSZ: usize = 2;
const DT_RELA: usize = 7;
const DT_RELASZ: usize = 8;
const DT_RELAENT: usize = 9;
const DT_REL: usize = 17;
const DT_RELSZ: usize = 18;
const DT_RELENT: usize = 19;
const DT_PLTREL: usize = 20;
const DT_TEXTREL: usize = 22;
const DT_JMPREL: usize = 23;
const DT_FLAGS: usize = 30;
const DT_RELRSZ: usize = 35;
const DT_RELR: usize = 36;
const DT_RELRENT: usize = 37;
const DF_TEXTREL: usize = 4;

// Sizes as constants: arithmetic written inline would carry overflow checks
// (panic calls) in a debug build.
const WORD: usize = 8;
const TWO_WORDS: usize = 2 * WORD;
const RELA_SIZE: usize = 3 * WORD;
const REL_SIZE: usize = 2 * WORD;
const RELR_BITMAP_SPAN: usize = (WORD * 8 - 1) * WORD;

/// Why the image cannot be relocated here.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) enum Unsupported {
    /// A relocation type other than `NONE` and `RELATIVE` (which would need
    /// a symbol table and a dynamic linker), with its number.
    Type(u32),
    /// Relocations in read-only text (`DT_TEXTREL`).
    TextRelocations,
    /// A relocation table whose entries are not the ELF64 size.
    EntrySize,
    /// The program was compiled with `--cfg bitwake_no_pie` (no relocation
    /// code) but linked as a PIE anyway.
    #[cfg_attr(not(bitwake_no_pie), allow(dead_code))]
    NoPieBuild,
}

/// A word at any alignment: reading or writing the field of a packed struct
/// is a plain unaligned access, with no call and no alignment check.
#[repr(C, packed)]
struct Unaligned(usize);

/// The word at address `addr`.
///
/// # Safety
/// `addr` is readable for 8 bytes.
#[inline(always)]
unsafe fn load(addr: usize) -> usize {
    // SAFETY: the caller's promise; `Unaligned` has alignment 1.
    unsafe { (*(addr as *const Unaligned)).0 }
}

/// The 32-bit word at address `addr` (4-byte aligned in every ELF header).
///
/// # Safety
/// `addr` is readable for 4 bytes and 4-byte aligned.
#[inline(always)]
unsafe fn load_u32(addr: usize) -> usize {
    // SAFETY: the caller's promise.
    unsafe { *(addr as *const u32) as usize }
}

/// Stores `value` at address `addr`.
///
/// # Safety
/// `addr` is writable for 8 bytes and nothing else refers to them.
#[inline(always)]
unsafe fn store(addr: usize, value: usize) {
    // SAFETY: the caller's promise; `Unaligned` has alignment 1.
    unsafe { (*(addr as *mut Unaligned)).0 = value }
}

/// Applies the relocations of a static-PIE, or does nothing for any other
/// image. Called by `_start` before anything else.
///
/// # Safety
/// Only `_start` may call this, once, with the kernel's initial stack
/// pointer and the run-time address of `_DYNAMIC` (any value when the image
/// has no `PT_DYNAMIC` segment).
pub unsafe extern "C" fn relocate_self(sp: *const usize, dynamic: *const u8) {
    let (sp, dynamic) = (sp as usize, dynamic as usize);
    let (mut phdr, mut phent, mut phnum, mut page, mut interp) = (0, 0, 0, 4096, 0);
    // SAFETY: the initial stack holds argc, argv, NULL, envp, NULL, then
    // (key, value) pairs up to AT_NULL; each list ends with its terminator,
    // so every read stays inside it.
    unsafe {
        let argc = load(sp);
        let mut p = sp.wrapping_add(argc.wrapping_add(2).wrapping_mul(WORD));
        while load(p) != 0 {
            p = p.wrapping_add(WORD);
        }
        p = p.wrapping_add(WORD);
        while load(p) != AT_NULL {
            let (key, value) = (load(p), load(p.wrapping_add(WORD)));
            if key == AT_PHDR {
                phdr = value;
            } else if key == AT_PHENT {
                phent = value;
            } else if key == AT_PHNUM {
                phnum = value;
            } else if key == AT_PAGESZ && value != 0 {
                page = value;
            } else if key == AT_BASE {
                interp = value;
            }
            p = p.wrapping_add(TWO_WORDS);
        }
    }
    // An interpreter already relocated the image; without program headers
    // there is nothing to go by.
    if interp != 0 || phdr == 0 || phent != PHDR_SIZE {
        return;
    }
    let (mut dynamic_vaddr, mut has_dynamic) = (0, false);
    let (mut relro_vaddr, mut relro_size) = (0, 0);
    let mut i = 0;
    while i < phnum {
        let ph = phdr.wrapping_add(i.wrapping_mul(PHDR_SIZE));
        // SAFETY: the kernel maps AT_PHNUM program headers of AT_PHENT
        // (checked: 56) bytes at AT_PHDR.
        unsafe {
            let kind = load_u32(ph);
            if kind == PT_DYNAMIC {
                dynamic_vaddr = load(ph.wrapping_add(PHDR_VADDR));
                has_dynamic = true;
            } else if kind == PT_GNU_RELRO {
                relro_vaddr = load(ph.wrapping_add(PHDR_VADDR));
                relro_size = load(ph.wrapping_add(PHDR_MEMSZ));
            }
        }
        i = i.wrapping_add(1);
    }
    if !has_dynamic {
        return;
    }
    // The project's own programs are static non-PIE executables and carry
    // no relocation code; this only catches a link that disagrees.
    #[cfg(bitwake_no_pie)]
    {
        let _ = (dynamic, dynamic_vaddr, relro_vaddr, relro_size, page);
        fail(Unsupported::NoPieBuild);
    }
    // SAFETY: the image has a PT_DYNAMIC segment, so `_DYNAMIC` is defined
    // and is the mapped dynamic table.
    #[cfg(not(bitwake_no_pie))]
    unsafe {
        relocate_image(dynamic, dynamic_vaddr, (relro_vaddr, relro_size), page)
    };
}

/// Relocates the image whose dynamic table is at run-time address
/// `dynamic` and link-time address `dynamic_vaddr`, then protects its
/// RELRO range `relro` (link-time address, size; size 0 when there is none).
///
/// # Safety
/// `dynamic` is the mapped `_DYNAMIC` table of this image, which PT_DYNAMIC
/// places at `dynamic_vaddr`.
#[cfg(not(bitwake_no_pie))]
unsafe fn relocate_image(dynamic: usize, dynamic_vaddr: usize, relro: (usize, usize), page: usize) {
    let (relro_vaddr, relro_size) = relro;
    // `_DYNAMIC` is where PT_DYNAMIC says it is, plus the load address.
    let base = dynamic.wrapping_sub(dynamic_vaddr);
    // SAFETY: `dynamic` is the mapped dynamic table (caller's promise) and
    // `base` the load address.
    if let Err(why) = unsafe { apply(base, dynamic) } {
        fail(why);
    }
    if relro_size != 0 {
        protect_relro(base, relro_vaddr, relro_size, page);
    }
}

/// Applies every relocation the dynamic table at address `dynamic` lists
/// to an image loaded at `base`.
///
/// # Safety
/// `dynamic` is a `DT_NULL`-terminated dynamic table whose addresses are
/// link-time addresses of an image mapped at `base`, writable where the
/// relocations point.
pub(crate) unsafe fn apply(base: usize, dynamic: usize) -> Result<(), Unsupported> {
    let (mut rela, mut rela_size, mut rela_entry) = (0, 0, RELA_SIZE);
    let (mut rel, mut rel_size, mut rel_entry) = (0, 0, REL_SIZE);
    let (mut relr, mut relr_size, mut relr_entry) = (0, 0, WORD);
    let (mut jmprel, mut jmprel_size, mut jmprel_kind) = (0, 0, DT_RELA);
    let mut d = dynamic;
    loop {
        // SAFETY: the table is DT_NULL-terminated (caller's promise).
        let (tag, value) = unsafe { (load(d), load(d.wrapping_add(WORD))) };
        if tag == DT_NULL {
            break;
        } else if tag == DT_RELA {
            rela = value;
        } else if tag == DT_RELASZ {
            rela_size = value;
        } else if tag == DT_RELAENT {
            rela_entry = value;
        } else if tag == DT_REL {
            rel = value;
        } else if tag == DT_RELSZ {
            rel_size = value;
        } else if tag == DT_RELENT {
            rel_entry = value;
        } else if tag == DT_RELR {
            relr = value;
        } else if tag == DT_RELRSZ {
            relr_size = value;
        } else if tag == DT_RELRENT {
            relr_entry = value;
        } else if tag == DT_JMPREL {
            jmprel = value;
        } else if tag == DT_PLTRELSZ {
            jmprel_size = value;
        } else if tag == DT_PLTREL {
            jmprel_kind = value;
        } else if tag == DT_TEXTREL || (tag == DT_FLAGS && value & DF_TEXTREL != 0) {
            return Err(Unsupported::TextRelocations);
        }
        d = d.wrapping_add(TWO_WORDS);
    }
    if rela_entry != RELA_SIZE
        || rel_entry != REL_SIZE
        || relr_entry != WORD
        || (jmprel_kind != DT_RELA && jmprel_kind != DT_REL)
    {
        return Err(Unsupported::EntrySize);
    }
    let (jmp_rela, jmp_rel) = if jmprel_kind == DT_RELA {
        (jmprel_size, 0)
    } else {
        (0, jmprel_size)
    };
    // SAFETY: the tables are part of the image (the caller's promise).
    let kind = unsafe {
        let mut kind = apply_rela(base, rela, rela_size);
        if kind == 0 {
            kind = apply_rel(base, rel, rel_size);
        }
        if kind == 0 {
            kind = apply_rela(base, jmprel, jmp_rela);
        }
        if kind == 0 {
            kind = apply_rel(base, jmprel, jmp_rel);
        }
        apply_relr(base, relr, relr_size);
        kind
    };
    if kind == 0 {
        Ok(())
    } else {
        Err(Unsupported::Type(kind as u32))
    }
}

/// `DT_RELA` entries: (offset, info, addend); RELATIVE stores base +
/// addend. Returns 0, or the first type it cannot apply.
///
/// # Safety
/// As for [`apply`]; `table` is a link-time address, `size` in bytes.
unsafe fn apply_rela(base: usize, table: usize, size: usize) -> usize {
    let mut offset = 0;
    while offset < size {
        let entry = base.wrapping_add(table).wrapping_add(offset);
        // SAFETY: the entry lies inside the table; its target inside the image.
        unsafe {
            let kind = load(entry.wrapping_add(WORD)) & 0xffff_ffff;
            if kind == reloc::RELATIVE as usize {
                let place = base.wrapping_add(load(entry));
                store(
                    place,
                    base.wrapping_add(load(entry.wrapping_add(TWO_WORDS))),
                );
            } else if kind != reloc::NONE as usize {
                return kind;
            }
        }
        offset = offset.wrapping_add(RELA_SIZE);
    }
    0
}

/// `DT_REL` entries: (offset, info); RELATIVE adds base to the stored word.
/// Returns 0, or the first type it cannot apply.
///
/// # Safety
/// As for [`apply_rela`].
unsafe fn apply_rel(base: usize, table: usize, size: usize) -> usize {
    let mut offset = 0;
    while offset < size {
        let entry = base.wrapping_add(table).wrapping_add(offset);
        // SAFETY: as in `apply_rela`.
        unsafe {
            let kind = load(entry.wrapping_add(WORD)) & 0xffff_ffff;
            if kind == reloc::RELATIVE as usize {
                let place = base.wrapping_add(load(entry));
                store(place, load(place).wrapping_add(base));
            } else if kind != reloc::NONE as usize {
                return kind;
            }
        }
        offset = offset.wrapping_add(REL_SIZE);
    }
    0
}

/// `DT_RELR` (packed relative relocations): an even word is the address of
/// a word to relocate; an odd word is a bitmap over the 63 words after the
/// last one relocated (bit 1 = the first).
///
/// # Safety
/// As for [`apply_rela`].
unsafe fn apply_relr(base: usize, table: usize, size: usize) {
    let mut next = 0;
    let mut offset = 0;
    while offset < size {
        // SAFETY: the entry lies inside the table; the words it names
        // inside the image.
        unsafe {
            let entry = load(base.wrapping_add(table).wrapping_add(offset));
            if entry & 1 == 0 {
                let place = base.wrapping_add(entry);
                store(place, load(place).wrapping_add(base));
                next = place.wrapping_add(WORD);
            } else {
                let mut bits = entry >> 1;
                let mut place = next;
                while bits != 0 {
                    if bits & 1 != 0 {
                        store(place, load(place).wrapping_add(base));
                    }
                    bits >>= 1;
                    place = place.wrapping_add(WORD);
                }
                next = next.wrapping_add(RELR_BITMAP_SPAN);
            }
        }
        offset = offset.wrapping_add(WORD);
    }
}

/// Makes the RELRO range read-only, as a dynamic loader does once the
/// relocations are in. Best effort: the program runs correctly without it.
fn protect_relro(base: usize, vaddr: usize, size: usize, page: usize) {
    let mask = !page.wrapping_sub(1);
    let start = base.wrapping_add(vaddr) & mask;
    let end = base.wrapping_add(vaddr).wrapping_add(size) & mask;
    if end > start {
        const PROT_READ: usize = 1;
        // SAFETY: the range is this image's RELRO segment, which nothing
        // writes after relocation; mprotect only changes its permissions.
        unsafe { syscall3(nr::MPROTECT, start, end.wrapping_sub(start), PROT_READ) };
    }
}

/// Says on stderr why the program cannot start and what to change, then
/// exits with [`FAILED_STATUS`].
fn fail(why: Unsupported) -> ! {
    if let Unsupported::NoPieBuild = why {
        write_stderr(
            b"bitwake: cannot start: compiled with --cfg bitwake_no_pie (no start-up relocation) \
              but linked as a PIE; add -C link-arg=--no-pie, or drop the cfg.\n",
        );
        // SAFETY: exit_group ends the process.
        unsafe { syscall1_noreturn(nr::EXIT_GROUP, FAILED_STATUS as usize) }
    }
    write_stderr(b"bitwake: cannot start: this static-PIE ");
    if let Unsupported::Type(kind) = why {
        write_stderr(b"has a dynamic relocation of type ");
        write_decimal(kind as usize);
        write_stderr(b", and start-up applies only R_*_RELATIVE (there is no dynamic linker)");
    } else if let Unsupported::TextRelocations = why {
        write_stderr(b"has relocations in read-only text (DT_TEXTREL)");
    } else {
        write_stderr(b"has a relocation table with entries of an unexpected size");
    }
    write_stderr(
        b".\nLink a static non-PIE executable instead: \
          RUSTFLAGS=\"-C relocation-model=static -C link-arg=--no-pie\" cargo build ...\n",
    );
    // SAFETY: exit_group ends the process.
    unsafe { syscall1_noreturn(nr::EXIT_GROUP, FAILED_STATUS as usize) }
}

/// Writes a byte string to stderr (a fixed-size array: its length is a
/// constant, not a call).
fn write_stderr<const N: usize>(s: &[u8; N]) {
    // SAFETY: write(2, s, N) only reads `s`.
    unsafe { syscall3(nr::WRITE, 2, s as *const [u8; N] as usize, N) };
}

/// Writes `n` in decimal to stderr, one digit per write (no buffer to
/// initialise; only divisions by a non-zero literal).
fn write_decimal(n: usize) {
    if n >= 10 {
        write_decimal(n / 10);
    }
    write_stderr(&[b'0'.wrapping_add((n % 10) as u8)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake image: relocation tables, a dynamic table and the words they
    /// relocate, all at "link-time addresses" that are offsets into `words`.
    struct Image {
        words: [usize; 64],
    }

    impl Image {
        fn base(&mut self) -> usize {
            self.words.as_mut_ptr().expose_provenance()
        }
        fn vaddr(i: usize) -> usize {
            i * WORD
        }
        fn apply(&mut self, dynamic_at: usize) -> Result<(), Unsupported> {
            let base = self.base();
            // SAFETY: every address in the tables is an index into `words`.
            unsafe { apply(base, base + Self::vaddr(dynamic_at)) }
        }
    }

    #[test]
    fn rela_relative_stores_base_plus_addend_and_none_is_skipped() {
        let mut img = Image { words: [0; 64] };
        // RELA table at word 0: two entries (6 words).
        let w = &mut img.words;
        w[0..3].copy_from_slice(&[Image::vaddr(40), reloc::RELATIVE as usize, 0x123]);
        w[3..6].copy_from_slice(&[Image::vaddr(41), reloc::NONE as usize, 0x999]);
        // Dynamic table at word 20.
        w[20..28].copy_from_slice(&[
            DT_RELA,
            Image::vaddr(0),
            DT_RELASZ,
            2 * RELA_SIZE,
            DT_RELAENT,
            RELA_SIZE,
            DT_NULL,
            0,
        ]);
        w[41] = 7;
        let base = img.base();
        assert_eq!(img.apply(20), Ok(()));
        assert_eq!(img.words[40], base + 0x123);
        assert_eq!(img.words[41], 7, "R_NONE leaves the word alone");
    }

    #[test]
    fn rel_adds_base_to_the_stored_word() {
        let mut img = Image { words: [0; 64] };
        let w = &mut img.words;
        w[0..2].copy_from_slice(&[Image::vaddr(40), reloc::RELATIVE as usize]);
        w[20..26].copy_from_slice(&[DT_REL, Image::vaddr(0), DT_RELSZ, REL_SIZE, DT_NULL, 0]);
        w[40] = 0x40;
        let base = img.base();
        assert_eq!(img.apply(20), Ok(()));
        assert_eq!(img.words[40], base + 0x40);
    }

    #[test]
    fn relr_address_then_bitmap() {
        let mut img = Image { words: [0; 64] };
        // Relocate word 30, then via a bitmap words 31, 33 and 34
        // (bits 1, 3 and 4: the first, third and fourth word after 30).
        let bitmap = (1 << 1) | (1 << 3) | (1 << 4) | 1;
        img.words[0..2].copy_from_slice(&[Image::vaddr(30), bitmap]);
        img.words[20..28].copy_from_slice(&[
            DT_RELR,
            Image::vaddr(0),
            DT_RELRSZ,
            2 * WORD,
            DT_RELRENT,
            WORD,
            DT_NULL,
            0,
        ]);
        for i in 30..36 {
            img.words[i] = i;
        }
        let base = img.base();
        assert_eq!(img.apply(20), Ok(()));
        assert_eq!(
            img.words[30..36],
            [base + 30, base + 31, 32, base + 33, base + 34, 35]
        );
    }

    #[test]
    fn a_symbolic_relocation_is_refused_with_its_type() {
        let mut img = Image { words: [0; 64] };
        // R_X86_64_64 / R_AARCH64_ABS64 against symbol 1.
        let abs64 = if cfg!(target_arch = "x86_64") { 1 } else { 257 };
        img.words[0..3].copy_from_slice(&[Image::vaddr(40), (1 << 32) | abs64, 0]);
        img.words[20..26].copy_from_slice(&[DT_RELA, 0, DT_RELASZ, RELA_SIZE, DT_NULL, 0]);
        assert_eq!(img.apply(20), Err(Unsupported::Type(abs64 as u32)));
        assert_eq!(img.words[40], 0, "nothing written");
    }

    #[test]
    fn text_relocations_and_odd_entry_sizes_are_refused() {
        let mut img = Image { words: [0; 64] };
        img.words[20..24].copy_from_slice(&[DT_FLAGS, DF_TEXTREL, DT_NULL, 0]);
        assert_eq!(img.apply(20), Err(Unsupported::TextRelocations));
        img.words[20..24].copy_from_slice(&[DT_RELAENT, 16, DT_NULL, 0]);
        assert_eq!(img.apply(20), Err(Unsupported::EntrySize));
    }
}
