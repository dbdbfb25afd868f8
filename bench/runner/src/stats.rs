//! Median and range of a cell's samples.

/// Median, minimum and maximum of `v` (NaN when empty).
pub fn summary(v: &[f64]) -> (f64, f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    let med = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    (med, s[0], s[n - 1])
}

/// A number with a precision that suits its size.
pub fn fmt(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v.abs() >= 10_000.0 {
        let s = format!("{:.0}", v);
        // Thin grouping makes six- and seven-digit numbers readable.
        let (neg, digits) = s
            .strip_prefix('-')
            .map_or((false, s.as_str()), |d| (true, d));
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(ch);
        }
        if neg { format!("-{out}") } else { out }
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_and_even() {
        assert_eq!(summary(&[3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
        assert_eq!(summary(&[4.0, 1.0, 2.0, 3.0]), (2.5, 1.0, 4.0));
    }

    #[test]
    fn formats_by_magnitude() {
        assert_eq!(fmt(2.345), "2.35");
        assert_eq!(fmt(23.45), "23.4");
        assert_eq!(fmt(234.5), "234");
        assert_eq!(fmt(1_234_567.0), "1 234 567");
    }
}
