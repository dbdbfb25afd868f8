//! `Errno`: a failed system call, as a value.
//!
//! The kernel reports failure by returning `-errno` in `-4095..=-1`; every
//! other value is a result. [`Errno::from_ret`] is the one place that decodes
//! this, so no wrapper can get it wrong.

use core::fmt;

/// A Linux error number (positive, as in `errno.h`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(u16);

/// Defines the `Errno` constants and the name/description table.
///
/// The table is packed for size: every name and description back to back in
/// one string, plus three bytes per entry (number, name length, description
/// length), about 2.3 KB in all. Two `match`es returning `&str` compiled to
/// two jump tables of 16-byte entries plus code per arm, several times that.
macro_rules! errnos {
    ($($name:ident = $num:literal, $desc:literal;)*) => {
        impl Errno {
            $(#[doc = $desc] pub const $name: Errno = Errno($num);)*
        }

        /// Every name and description, back to back, in table order.
        const TEXT: &str = concat!($(stringify!($name), $desc),*);

        /// Per entry of [`TEXT`]: the number, the name's length, the
        /// description's length.
        const ENTRIES: &[[u8; 3]] = &[$([$num, stringify!($name).len() as u8, $desc.len() as u8]),*];

        // The lengths fit their bytes and add up to `TEXT`: checked at
        // compile time, so a lookup can never split `TEXT` in the wrong place.
        const _: () = {
            let mut total = 0;
            $(
                assert!(stringify!($name).len() < 256 && $desc.len() < 256);
                total += stringify!($name).len() + $desc.len();
            )*
            assert!(total == TEXT.len());
        };
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "Input/output error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    ENOEXEC = 8, "Exec format error";
    EBADF = 9, "Bad file descriptor";
    ECHILD = 10, "No child processes";
    EAGAIN = 11, "Resource temporarily unavailable";
    ENOMEM = 12, "Cannot allocate memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    ENOTBLK = 15, "Block device required";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Invalid cross-device link";
    ENODEV = 19, "No such device";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "Too many open files";
    ENOTTY = 25, "Inappropriate ioctl for device";
    ETXTBSY = 26, "Text file busy";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    ESPIPE = 29, "Illegal seek";
    EROFS = 30, "Read-only file system";
    EMLINK = 31, "Too many links";
    EPIPE = 32, "Broken pipe";
    EDOM = 33, "Numerical argument out of domain";
    ERANGE = 34, "Numerical result out of range";
    EDEADLK = 35, "Resource deadlock avoided";
    ENAMETOOLONG = 36, "File name too long";
    ENOLCK = 37, "No locks available";
    ENOSYS = 38, "Function not implemented";
    ENOTEMPTY = 39, "Directory not empty";
    ELOOP = 40, "Too many levels of symbolic links";
    ENOMSG = 42, "No message of desired type";
    EIDRM = 43, "Identifier removed";
    ENOSTR = 60, "Device not a stream";
    ENODATA = 61, "No data available";
    ETIME = 62, "Timer expired";
    ENOSR = 63, "Out of streams resources";
    ENOLINK = 67, "Link has been severed";
    EPROTO = 71, "Protocol error";
    EBADMSG = 74, "Bad message";
    EOVERFLOW = 75, "Value too large for defined data type";
    EILSEQ = 84, "Invalid or incomplete multibyte or wide character";
    EUSERS = 87, "Too many users";
    ENOTSOCK = 88, "Socket operation on non-socket";
    EDESTADDRREQ = 89, "Destination address required";
    EMSGSIZE = 90, "Message too long";
    EPROTOTYPE = 91, "Protocol wrong type for socket";
    ENOPROTOOPT = 92, "Protocol not available";
    EPROTONOSUPPORT = 93, "Protocol not supported";
    ESOCKTNOSUPPORT = 94, "Socket type not supported";
    EOPNOTSUPP = 95, "Operation not supported";
    EPFNOSUPPORT = 96, "Protocol family not supported";
    EAFNOSUPPORT = 97, "Address family not supported by protocol";
    EADDRINUSE = 98, "Address already in use";
    EADDRNOTAVAIL = 99, "Cannot assign requested address";
    ENETDOWN = 100, "Network is down";
    ENETUNREACH = 101, "Network is unreachable";
    ENETRESET = 102, "Network dropped connection on reset";
    ECONNABORTED = 103, "Software caused connection abort";
    ECONNRESET = 104, "Connection reset by peer";
    ENOBUFS = 105, "No buffer space available";
    EISCONN = 106, "Transport endpoint is already connected";
    ENOTCONN = 107, "Transport endpoint is not connected";
    ESHUTDOWN = 108, "Cannot send after transport endpoint shutdown";
    ETOOMANYREFS = 109, "Too many references: cannot splice";
    ETIMEDOUT = 110, "Connection timed out";
    ECONNREFUSED = 111, "Connection refused";
    EHOSTDOWN = 112, "Host is down";
    EHOSTUNREACH = 113, "No route to host";
    EALREADY = 114, "Operation already in progress";
    EINPROGRESS = 115, "Operation now in progress";
    ESTALE = 116, "Stale file handle";
    EDQUOT = 122, "Disk quota exceeded";
    ECANCELED = 125, "Operation canceled";
    EOWNERDEAD = 130, "Owner died";
    ENOTRECOVERABLE = 131, "State not recoverable";
}

impl Errno {
    /// The table entry for this number: `(name, description)`.
    const fn entry(self) -> Option<(&'static str, &'static str)> {
        let mut i = 0;
        let mut offset = 0;
        while i < ENTRIES.len() {
            let [num, name_len, desc_len] = ENTRIES[i];
            let (name_len, desc_len) = (name_len as usize, desc_len as usize);
            if num as u16 == self.0 {
                // The compile-time check above makes every split succeed;
                // `None` would only mean a broken table, never a panic.
                let Some((_, rest)) = TEXT.split_at_checked(offset) else {
                    return None;
                };
                let Some((name, rest)) = rest.split_at_checked(name_len) else {
                    return None;
                };
                let Some((desc, _)) = rest.split_at_checked(desc_len) else {
                    return None;
                };
                return Some((name, desc));
            }
            offset += name_len + desc_len;
            i += 1;
        }
        None
    }

    /// The symbolic name, e.g. `"EBADF"`, or `None` for numbers this table
    /// does not know.
    pub const fn name(self) -> Option<&'static str> {
        match self.entry() {
            Some((name, _)) => Some(name),
            None => None,
        }
    }

    /// The error whose symbolic name is `name` (e.g. `b"EBADF"`), in one pass
    /// over the table; `None` for a name it does not know.
    pub fn from_name(name: &[u8]) -> Option<Errno> {
        let mut offset = 0;
        for &[num, name_len, desc_len] in ENTRIES {
            let name_len = usize::from(name_len);
            if TEXT.as_bytes().get(offset..offset + name_len) == Some(name) {
                return Some(Errno(u16::from(num)));
            }
            offset += name_len + usize::from(desc_len);
        }
        None
    }

    /// The description, e.g. `"Bad file descriptor"`.
    pub const fn description(self) -> Option<&'static str> {
        match self.entry() {
            Some((_, desc)) => Some(desc),
            None => None,
        }
    }

    /// Which limit to raise, for the errors a limit outside the program
    /// causes (printed by `Display`).
    pub const fn hint(self) -> Option<&'static str> {
        match self {
            Errno::EMFILE => Some("raise RLIMIT_NOFILE: ulimit -n"),
            Errno::ENFILE => Some("raise fs.file-max"),
            _ => None,
        }
    }

    /// `EWOULDBLOCK` is `EAGAIN` on Linux.
    pub const EWOULDBLOCK: Errno = Errno::EAGAIN;

    /// Decodes a raw syscall return: `-4095..=-1` is an error, anything else
    /// is the result.
    #[inline(always)]
    pub const fn from_ret(ret: usize) -> Result<usize, Errno> {
        if ret > (-4096isize) as usize {
            Err(Errno((ret as isize).unsigned_abs() as u16))
        } else {
            Ok(ret)
        }
    }

    /// Builds an `Errno` from its positive number. Numbers outside
    /// `1..=4095` are not errors the kernel can return; they map to `EINVAL`
    /// rather than producing an impossible value.
    pub const fn from_raw(n: i32) -> Errno {
        if n >= 1 && n <= 4095 {
            Errno(n as u16)
        } else {
            Errno::EINVAL
        }
    }

    /// The positive error number.
    pub const fn raw(self) -> i32 {
        self.0 as i32
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.entry() {
            Some((name, desc)) => {
                f.write_str(name)?;
                f.write_str(": ")?;
                f.write_str(desc)?;
                match self.hint() {
                    Some(hint) => {
                        f.write_str(" (")?;
                        f.write_str(hint)?;
                        f.write_str(")")
                    }
                    None => Ok(()),
                }
            }
            // As u64: programs format u64s anyway, u16 would add its own
            // ~220-byte Display.
            None => write!(f, "unknown error {}", u64::from(self.0)),
        }
    }
}

impl core::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_error_range() {
        assert_eq!(Errno::from_ret(0), Ok(0));
        assert_eq!(Errno::from_ret(30), Ok(30));
        assert_eq!(Errno::from_ret(-1isize as usize), Err(Errno::EPERM));
        assert_eq!(Errno::from_ret(-9isize as usize), Err(Errno::EBADF));
        assert_eq!(
            Errno::from_ret(-4095isize as usize).map_err(|e| e.raw()),
            Err(4095)
        );
        // -4096 is not an error: it is a (huge) valid result such as an address.
        assert_eq!(
            Errno::from_ret(-4096isize as usize),
            Ok(-4096isize as usize)
        );
    }

    #[test]
    fn knows_names_and_descriptions() {
        assert_eq!(Errno::EBADF.name(), Some("EBADF"));
        assert_eq!(Errno::EBADF.description(), Some("Bad file descriptor"));
        assert_eq!(format!("{}", Errno::EPIPE), "EPIPE: Broken pipe");
        assert_eq!(format!("{:?}", Errno::EAGAIN), "EAGAIN");
        assert_eq!(format!("{:?}", Errno::from_raw(4000)), "Errno(4000)");
        assert_eq!(format!("{}", Errno::from_raw(4000)), "unknown error 4000");
        assert_eq!(Errno::from_raw(0), Errno::EINVAL);
    }

    #[test]
    fn limits_say_which_one_to_raise() {
        let emfile = format!("{}", Errno::EMFILE);
        assert!(
            emfile.starts_with("EMFILE: Too many open files ("),
            "{emfile}"
        );
        assert!(
            emfile.contains("RLIMIT_NOFILE") && emfile.contains("ulimit -n"),
            "{emfile}"
        );
        assert!(format!("{}", Errno::ENFILE).contains("fs.file-max"));
        assert_eq!(Errno::EBADF.hint(), None);
    }

    #[test]
    fn packed_table_is_consistent() {
        // First, last and a gap in the numbering.
        assert_eq!(Errno::EPERM.name(), Some("EPERM"));
        assert_eq!(Errno::EPERM.description(), Some("Operation not permitted"));
        assert_eq!(Errno::ENOTRECOVERABLE.name(), Some("ENOTRECOVERABLE"));
        assert_eq!(
            Errno::ENOTRECOVERABLE.description(),
            Some("State not recoverable")
        );
        assert_eq!(Errno::from_raw(41).name(), None);
        for unknown in [
            &b""[..],
            b"E",
            b"EPER",
            b"EPERMS",
            b"eperm",
            b"Operation not permitted",
        ] {
            assert_eq!(Errno::from_name(unknown), None);
        }
        assert_eq!(Errno::from_raw(41).description(), None);
        const { assert!(Errno::EINTR.name().is_some()) };
        let mut known = 0;
        for n in 1..=4095 {
            let e = Errno::from_raw(n);
            match (e.name(), e.description()) {
                (Some(name), Some(desc)) => {
                    known += 1;
                    assert_eq!(Errno::from_name(name.as_bytes()), Some(e));
                    assert!(name.starts_with('E') && name.len() >= 3, "{name}");
                    assert!(
                        name.bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                    );
                    assert!(desc.starts_with(|c: char| c.is_ascii_uppercase()), "{desc}");
                    match e.hint() {
                        Some(hint) => {
                            assert_eq!(format!("{e}"), format!("{name}: {desc} ({hint})"))
                        }
                        None => assert_eq!(format!("{e}"), format!("{name}: {desc}")),
                    }
                }
                (None, None) => assert_eq!(format!("{e}"), format!("unknown error {n}")),
                other => panic!("{n}: {other:?}"),
            }
        }
        assert_eq!(known, ENTRIES.len());
    }
}
