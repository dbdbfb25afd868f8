//! How an input is cut into the chunks a parser is fed, as a socket might
//! deliver it.

/// A chunking: all at once, or pseudo-random pieces of 1 to `max` bytes.
#[derive(Clone, Copy, Debug)]
pub struct Chunks {
    max: usize,
    seed: u32,
}

impl Chunks {
    /// The whole input in one `feed`.
    pub const WHOLE: Chunks = Chunks { max: 0, seed: 0 };

    /// The chunking a control byte selects: 0 is [`WHOLE`](Self::WHOLE),
    /// otherwise pieces of at most `1 + (b & 0x1f)` bytes whose sizes
    /// follow the byte.
    pub fn from_byte(b: u8) -> Chunks {
        if b == 0 {
            return Chunks::WHOLE;
        }
        Chunks {
            max: 1 + usize::from(b & 0x1f),
            seed: u32::from(b) | 0x100,
        }
    }

    /// The pieces of `input`, in order; together they are exactly `input`.
    pub fn split(self, input: &[u8]) -> Vec<&[u8]> {
        if self.max == 0 {
            return vec![input];
        }
        let mut out = Vec::new();
        let mut rest = input;
        let mut s = self.seed;
        while !rest.is_empty() {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let n = (1 + s as usize % self.max).min(rest.len());
            let (head, tail) = rest.split_at(n);
            out.push(head);
            rest = tail;
        }
        out
    }
}
