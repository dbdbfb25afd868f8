//! Fuzz-style randomized tests with fixed seeds: random bytes, HTTP-flavoured
//! noise and mutations of valid messages, in random chunkings, thrown at both
//! parsers. Properties: no panic, capacities respected (checked inside the
//! drivers), and the outcome never depends on the chunking.

mod common;

use common::{XorShift, random_chunks, run_request, run_response};

/// Bytes that steer random input into the interesting parser states.
const ALPHABET: &[u8] =
    b"HTTP/1.0 GET 200 OK\r\n\r\n:content-length: 5 transfer-encoding%2F/0123456789\t\x00\x7f\xff";

const SEEDS_RESP: &[&[u8]] = &[
    b"HTTP/1.1 200 OK\r\ncontent-length: 15\r\nconnection: close\r\n\r\nHelloAsyncAwait",
    b"HTTP/1.0 200 OK\nX: y\n\nuntil eof",
    b"HTTP/1.1 204 No Content\r\n\r\n",
];
const SEEDS_REQ: &[&[u8]] = &[
    b"GET /600/HelloAsyncAwait HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"GET /1/a%20b HTTP/1.0\n\n",
];

fn random_input(rng: &mut XorShift, seeds: &[&[u8]]) -> Vec<u8> {
    let len = rng.below(200);
    match rng.below(3) {
        0 => (0..len).map(|_| rng.byte()).collect(),
        1 => (0..len)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect(),
        _ => {
            let mut v = seeds[rng.below(seeds.len())].to_vec();
            for _ in 0..=rng.below(4) {
                let at = rng.below(v.len() + 1);
                match rng.below(4) {
                    0 if at < v.len() => v[at] = rng.byte(),
                    1 if at < v.len() => {
                        v.remove(at);
                    }
                    2 => v.insert(at, ALPHABET[rng.below(ALPHABET.len())]),
                    _ => v.truncate(at),
                }
            }
            v
        }
    }
}

#[test]
fn fuzz_response_parser() {
    for seed in 1..=20_000u64 {
        let mut rng = XorShift(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let input = random_input(&mut rng, SEEDS_RESP);
        let whole_big = run_response::<512, 128, 8>(&[&input]);
        let whole_tiny = run_response::<40, 6, 2>(&[&input]);
        let k = rng.below(6);
        let chunks = random_chunks(&mut rng, &input, k);
        assert_eq!(
            run_response::<512, 128, 8>(&chunks),
            whole_big,
            "seed {seed}: {input:?}"
        );
        assert_eq!(
            run_response::<40, 6, 2>(&chunks),
            whole_tiny,
            "seed {seed}: {input:?}"
        );
        assert!(whole_big.consumed <= input.len());
    }
}

#[test]
fn fuzz_request_parser() {
    for seed in 1..=20_000u64 {
        let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let input = random_input(&mut rng, SEEDS_REQ);
        let whole_big = run_request::<256, 512>(&[&input]);
        let whole_tiny = run_request::<20, 48>(&[&input]);
        let k = rng.below(6);
        let chunks = random_chunks(&mut rng, &input, k);
        assert_eq!(
            run_request::<256, 512>(&chunks),
            whole_big,
            "seed {seed}: {input:?}"
        );
        assert_eq!(
            run_request::<20, 48>(&chunks),
            whole_tiny,
            "seed {seed}: {input:?}"
        );
    }
}

#[test]
fn fuzz_finds_successes_too() {
    // Guard against a fuzz corpus that only ever exercises the error paths.
    let (mut ok_resp, mut ok_req) = (0, 0);
    for seed in 1..=2_000u64 {
        let mut rng = XorShift(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let r = random_input(&mut rng, SEEDS_RESP);
        ok_resp += run_response::<512, 128, 8>(&[&r]).result.is_ok() as u32;
        let q = random_input(&mut rng, SEEDS_REQ);
        ok_req += run_request::<256, 512>(&[&q]).result.is_ok() as u32;
    }
    assert!(ok_resp > 50 && ok_req > 50, "{ok_resp} {ok_req}");
}
