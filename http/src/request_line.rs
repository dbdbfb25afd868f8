//! The delay server's request line, `GET /{delay_ms}/{message}[?query]
//! HTTP/1.x`, read one byte at a time: only the decoded message is stored
//! (in a buffer of `MSG` bytes); everything else is a few flags, so the
//! state per connection is about `MSG` bytes however long the line is.
//!
//! The verdict at the end of the line is the one a whole-line reading
//! gives, in the same order: a CR inside the line, then the line's shape
//! (three parts, a method of token characters, a target), the version, the
//! method, then the target (visible ASCII; `/`, digits, `/`, the message;
//! then the decoded message: not empty, no `/` before decoding, valid
//! escapes, UTF-8 without ASCII controls).

use heapless::Vec;

use crate::HttpError;
use crate::write::is_tchar;

/// Which part of the line the next byte belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Method,
    /// The target: which piece of it.
    Target(Piece),
    Version,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Piece {
    /// Its first byte: must be `/`.
    Start,
    Delay,
    Message,
    /// After `?`: ignored (only checked to be visible ASCII).
    Query,
}

/// A `%XX` escape in progress inside the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    None,
    Percent,
    High(u8),
}

/// The request line read so far.
#[derive(Debug)]
pub(crate) struct RequestLine<const MSG: usize> {
    message: Vec<u8, MSG, u16>,
    delay_ms: u64,
    part: Part,
    escape: Escape,
    /// Bytes of method and of version seen (saturating).
    method_len: u8,
    version_len: u8,
    /// `HTTP/1.` matched so far, then the minor digit (`0`/`1`), if any.
    version_minor: Option<u8>,
    /// A CR was the last byte (the line may be ending).
    cr_pending: bool,
    /// Any byte of the line was seen (an empty line before the request
    /// line is skipped).
    started: bool,
    flags: Flags,
}

/// What the verdict needs to know, gathered on the way.
#[derive(Clone, Copy, Debug, Default)]
struct Flags {
    cr_inside: bool,
    method_bad: bool,
    method_is_get: bool,
    target_seen: bool,
    target_not_visible: bool,
    version_http: bool,
    version_space: bool,
    delay_digits: bool,
    delay_bad: bool,
    /// The first error in the target's structure.
    target_error: Option<HttpError>,
    message_bad: bool,
}

/// What one byte did to the line.
pub(crate) enum Step {
    More,
    /// The line was empty (skipped) and a new one starts.
    Skipped,
    /// The line is complete: its verdict.
    Done(Result<(), HttpError>),
}

impl<const MSG: usize> RequestLine<MSG> {
    pub(crate) const fn new() -> Self {
        RequestLine {
            message: Vec::new(),
            delay_ms: 0,
            part: Part::Method,
            escape: Escape::None,
            method_len: 0,
            version_len: 0,
            version_minor: None,
            cr_pending: false,
            started: false,
            flags: Flags {
                cr_inside: false,
                method_bad: false,
                method_is_get: false,
                target_seen: false,
                target_not_visible: false,
                version_http: false,
                version_space: false,
                delay_digits: false,
                delay_bad: false,
                target_error: None,
                message_bad: false,
            },
        }
    }

    /// The delay, once the line is done and good.
    pub(crate) fn delay_ms(&self) -> u64 {
        self.delay_ms
    }

    /// The decoded message (checked to be UTF-8 when the line ended).
    pub(crate) fn message(&self) -> &[u8] {
        &self.message
    }

    /// `0` or `1`, once the line is done and good.
    pub(crate) fn version_minor(&self) -> u8 {
        self.version_minor.unwrap_or(0)
    }

    /// One byte. An `Err` is immediate and final (the message does not
    /// fit); every other verdict comes with the line's end.
    pub(crate) fn byte(&mut self, b: u8) -> Result<Step, HttpError> {
        if b == b'\n' {
            self.cr_pending = false;
            if !self.started {
                return Ok(Step::Skipped);
            }
            return Ok(Step::Done(self.verdict()));
        }
        if self.cr_pending {
            // The CR before was not the line's end: it is inside the line.
            self.flags.cr_inside = true;
            self.started = true;
            self.content(b'\r')?;
        }
        if b == b'\r' {
            self.cr_pending = true;
            return Ok(Step::More);
        }
        self.started = true;
        self.content(b)?;
        Ok(Step::More)
    }

    /// A byte of the line's content.
    fn content(&mut self, b: u8) -> Result<(), HttpError> {
        let f = &mut self.flags;
        match self.part {
            Part::Method if b == b' ' => self.part = Part::Target(Piece::Start),
            Part::Method => {
                let i = usize::from(self.method_len);
                f.method_bad |= !is_tchar(b);
                f.method_is_get = (i == 0 || f.method_is_get) && b"GET".get(i) == Some(&b);
                self.method_len = self.method_len.saturating_add(1);
            }
            Part::Target(piece) if b == b' ' => {
                self.end_of_message(piece);
                self.part = Part::Version;
            }
            Part::Target(piece) => {
                f.target_seen = true;
                f.target_not_visible |= !b.is_ascii_graphic();
                self.target(piece, b)?;
            }
            Part::Version => {
                const HTTP1: &[u8] = b"HTTP/1.";
                let i = usize::from(self.version_len);
                f.version_space |= b == b' ';
                if i < 5 {
                    f.version_http = (i == 0 || f.version_http) && HTTP1.get(i) == Some(&b);
                }
                self.version_minor = match (i, self.version_minor) {
                    (0, _) if b == b'H' => Some(0),
                    (1..7, Some(_)) if HTTP1.get(i) == Some(&b) => Some(0),
                    (7, Some(_)) if b == b'0' || b == b'1' => Some(b - b'0'),
                    _ => None,
                };
                self.version_len = self.version_len.saturating_add(1);
            }
        }
        Ok(())
    }

    /// A byte of the target (not a space).
    fn target(&mut self, piece: Piece, b: u8) -> Result<(), HttpError> {
        let f = &mut self.flags;
        match piece {
            Piece::Start => {
                if b != b'/' {
                    f.target_error.get_or_insert(HttpError::InvalidTarget);
                }
                self.part = Part::Target(if b == b'/' {
                    Piece::Delay
                } else {
                    Piece::Query
                });
            }
            Piece::Delay => match b {
                b'/' => {
                    if f.delay_bad || !f.delay_digits {
                        f.target_error.get_or_insert(HttpError::InvalidDelay);
                    }
                    self.part = Part::Target(Piece::Message);
                }
                // The path has no second `/`: no message.
                b'?' => {
                    f.target_error.get_or_insert(HttpError::InvalidTarget);
                    self.part = Part::Target(Piece::Query);
                }
                b'0'..=b'9' => {
                    f.delay_digits = true;
                    match self
                        .delay_ms
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(u64::from(b - b'0')))
                    {
                        Some(n) => self.delay_ms = n,
                        None => f.delay_bad = true,
                    }
                }
                _ => f.delay_bad = true,
            },
            Piece::Message => match b {
                b'?' => {
                    self.end_of_message(piece);
                    self.part = Part::Target(Piece::Query);
                }
                b'/' => {
                    f.target_error.get_or_insert(HttpError::InvalidTarget);
                }
                _ if f.target_error.is_some() => {}
                _ => self.message_byte(b)?,
            },
            Piece::Query => {}
        }
        Ok(())
    }

    /// A byte of the message, decoding `%XX` escapes as they complete.
    fn message_byte(&mut self, b: u8) -> Result<(), HttpError> {
        let decoded = match (self.escape, b) {
            (Escape::None, b'%') => {
                self.escape = Escape::Percent;
                return Ok(());
            }
            (Escape::None, _) => b,
            (Escape::Percent, _) => {
                match hex(b) {
                    Some(h) => self.escape = Escape::High(h),
                    None => self.bad_escape(),
                }
                return Ok(());
            }
            (Escape::High(h), _) => {
                let Some(l) = hex(b) else {
                    self.bad_escape();
                    return Ok(());
                };
                self.escape = Escape::None;
                h << 4 | l
            }
        };
        self.message
            .push(decoded)
            .map_err(|_| HttpError::HeadTooLarge)
    }

    fn bad_escape(&mut self) {
        self.flags.message_bad = true;
        self.escape = Escape::None;
    }

    /// The message ends (a space or `?` after it): an escape must not be
    /// left open.
    fn end_of_message(&mut self, piece: Piece) {
        if piece == Piece::Message && self.escape != Escape::None {
            self.bad_escape();
        }
        if let Piece::Start | Piece::Delay = piece {
            // The path ended before its second `/`.
            if self.flags.target_seen {
                self.flags
                    .target_error
                    .get_or_insert(HttpError::InvalidTarget);
            }
        }
    }

    /// The verdict on a complete, non-empty line.
    fn verdict(&mut self) -> Result<(), HttpError> {
        if let Part::Target(piece) = self.part {
            self.end_of_message(piece);
        }
        let f = self.flags;
        if f.cr_inside
            || self.part != Part::Version
            || self.method_len == 0
            || f.method_bad
            || !f.target_seen
        {
            return Err(HttpError::MalformedRequestLine);
        }
        if self.version_len != 8 || self.version_minor.is_none() {
            return Err(
                if f.version_http && !f.version_space && self.version_len >= 5 {
                    HttpError::UnsupportedVersion
                } else {
                    HttpError::MalformedRequestLine
                },
            );
        }
        if !(f.method_is_get && self.method_len == 3) {
            return Err(HttpError::MethodNotAllowed);
        }
        if f.target_not_visible {
            return Err(HttpError::InvalidTarget);
        }
        if let Some(e) = f.target_error {
            return Err(e);
        }
        // UTF-8 because the answer says `charset=utf-8`; no ASCII controls
        // (e.g. `%0A`) so the server's one-line-per-request log stays intact
        // and a client cannot inject terminal escapes into it.
        if f.message_bad
            || self.message.is_empty()
            || core::str::from_utf8(&self.message).is_err()
            || self.message.iter().any(|b| b.is_ascii_control())
        {
            return Err(HttpError::InvalidTarget);
        }
        Ok(())
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}
