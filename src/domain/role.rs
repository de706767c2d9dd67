//! The kinds of signed-in user.

use serde::{Deserialize, Serialize};

use super::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 申报单位: a county's planning office, bound to one region.
    Official,
    /// 评审: decides on submitted proposals.
    Reviewer,
    /// 管理员: users, standards, batches.
    Admin,
    /// 市级: a city's office, bound to one city region; pre-reviews and
    /// recommends its counties' proposals.
    City,
    /// 评审专家: scores the proposals assigned to them on a panel.
    Expert,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Official, Role::Reviewer, Role::Admin, Role::City, Role::Expert];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Official => "official",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
            Role::City => "city",
            Role::Expert => "expert",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Where the role lands after login.
    pub fn home(self) -> &'static str {
        match self {
            Role::Official => "/proposals",
            Role::Reviewer => "/review",
            Role::Admin => "/admin",
            Role::City => "/city",
            Role::Expert => "/expert",
        }
    }

    /// Whether the role acts for a region: officials for a county, city
    /// users for a city.
    pub fn has_region(self) -> bool {
        matches!(self, Role::Official | Role::City)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Role::Official, Lang::Zh) => "申报单位",
            (Role::Reviewer, Lang::Zh) => "评审",
            (Role::Admin, Lang::Zh) => "管理员",
            (Role::City, Lang::Zh) => "市级主管部门",
            (Role::Expert, Lang::Zh) => "评审专家",
            (Role::Official, Lang::En) => "Official",
            (Role::Reviewer, Lang::En) => "Reviewer",
            (Role::Admin, Lang::En) => "Administrator",
            (Role::City, Lang::En) => "City office",
            (Role::Expert, Lang::En) => "Expert",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_have_homes() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::Reviewer.home(), "/review");
    }
}
