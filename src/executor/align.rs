//! Alignment as a const generic, on stable Rust.
//!
//! `#[repr(align(N))]` needs a literal, so each power of two gets a zero-sized
//! archetype type and `Align<N>` picks it through a trait. A pool puts a
//! `[Archetype; 0]` field before its slots: zero bytes, but the slots start
//! aligned to `N`.

/// Maps an alignment to a zero-sized type with that alignment.
pub trait Alignment {
    /// A zero-sized type aligned to the alignment.
    type Archetype;
}

/// The alignment `A` (a power of two from 1 to 4096).
pub struct Align<const A: usize>;

macro_rules! aligns {
    ($($n:literal => $t:ident),* $(,)?) => {$(
        #[doc(hidden)]
        #[repr(align($n))]
        pub struct $t;
        impl Alignment for Align<$n> {
            type Archetype = $t;
        }
    )*};
}

aligns!(
    1 => A1, 2 => A2, 4 => A4, 8 => A8, 16 => A16, 32 => A32, 64 => A64, 128 => A128,
    256 => A256, 512 => A512, 1024 => A1024, 2048 => A2048, 4096 => A4096,
);
