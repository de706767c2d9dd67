//! The password policy, kept apart from hashing so it is testable and the
//! same for the web form and `user add`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    SameAsUsername,
    TooLong,
}

pub const MIN_LEN: usize = 10;
/// Argon2 accepts more, but a bound keeps hashing cost predictable.
pub const MAX_LEN: usize = 200;

pub fn check(username: &str, password: &str) -> Result<(), PasswordProblem> {
    let len = password.chars().count();
    if len < MIN_LEN {
        Err(PasswordProblem::TooShort)
    } else if len > MAX_LEN {
        Err(PasswordProblem::TooLong)
    } else if password.trim().eq_ignore_ascii_case(username.trim()) {
        Err(PasswordProblem::SameAsUsername)
    } else {
        Ok(())
    }
}

impl PasswordProblem {
    /// Catalogue key of the message.
    pub fn key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password.too_short",
            PasswordProblem::SameAsUsername => "password.same_as_username",
            PasswordProblem::TooLong => "password.too_long",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(check("alice", "short"), Err(PasswordProblem::TooShort));
        assert_eq!(check("alice", "123456789"), Err(PasswordProblem::TooShort));
        assert_eq!(check("alice", "1234567890"), Ok(()));
        assert_eq!(
            check("administrator", "Administrator"),
            Err(PasswordProblem::SameAsUsername)
        );
        assert_eq!(check("a", &"x".repeat(201)), Err(PasswordProblem::TooLong));
        // Characters, not bytes: ten Chinese characters are enough.
        assert_eq!(check("alice", "特色小镇申报评审系统"), Ok(()));
    }
}
