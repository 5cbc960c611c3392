//! The Luhn (mod 10) check digit used by eHR numbers and provider ids.

/// The check digit to append to `payload` (ASCII digits only).
pub(crate) fn check_digit(payload: &str) -> u8 {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    ((10 - (sum % 10)) % 10) as u8
}

/// Whether the last digit of `digits` is the Luhn check digit of the rest.
pub(crate) fn is_valid(digits: &str) -> bool {
    match digits.as_bytes().split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            let payload = std::str::from_utf8(rest).unwrap_or("");
            check_digit(payload) == last - b'0'
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_luhn_numbers() {
        // The classic worked example and a card-style test number.
        assert_eq!(check_digit("7992739871"), 3);
        assert!(is_valid("79927398713"));
        assert!(is_valid("4539578763621486"));
        assert!(!is_valid("79927398710"));
    }

    #[test]
    fn every_wrong_digit_is_refused() {
        let payload = "12345678901";
        let good = check_digit(payload);
        for d in 0..10u8 {
            let candidate = format!("{payload}{d}");
            assert_eq!(is_valid(&candidate), d == good, "{candidate}");
        }
    }
}
