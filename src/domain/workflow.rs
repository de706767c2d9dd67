//! The proposal workflow of DESIGN.md as a state machine: which action is
//! allowed in which status, and where it leads. The store applies a
//! transition only if the row is still in the status the decision was
//! taken on, so two concurrent actions cannot both succeed.

use serde::{Deserialize, Serialize};

use super::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
    Returned,
    Approved,
    Rejected,
    Withdrawn,
    Listed,
    Named,
    NotNamed,
    Demoted,
    Removed,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Draft,
        Status::Submitted,
        Status::Returned,
        Status::Approved,
        Status::Rejected,
        Status::Withdrawn,
        Status::Listed,
        Status::Named,
        Status::NotNamed,
        Status::Demoted,
        Status::Removed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
            Status::Listed => "listed",
            Status::Named => "named",
            Status::NotNamed => "not_named",
            Status::Demoted => "demoted",
            Status::Removed => "removed",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Draft, Lang::Zh) => "草稿",
            (Status::Submitted, Lang::Zh) => "已提交待评审",
            (Status::Returned, Lang::Zh) => "退回修改",
            (Status::Approved, Lang::Zh) => "评审通过",
            (Status::Rejected, Lang::Zh) => "未通过",
            (Status::Withdrawn, Lang::Zh) => "已撤回",
            (Status::Listed, Lang::Zh) => "已列入创建名单",
            (Status::Named, Lang::Zh) => "已验收命名",
            (Status::NotNamed, Lang::Zh) => "未通过验收",
            (Status::Demoted, Lang::Zh) => "已降格（培育小镇）",
            (Status::Removed, Lang::Zh) => "已退出名单",
            (Status::Draft, Lang::En) => "Draft",
            (Status::Submitted, Lang::En) => "Submitted",
            (Status::Returned, Lang::En) => "Returned for changes",
            (Status::Approved, Lang::En) => "Approved",
            (Status::Rejected, Lang::En) => "Rejected",
            (Status::Withdrawn, Lang::En) => "Withdrawn",
            (Status::Listed, Lang::En) => "On the creation list",
            (Status::Named, Lang::En) => "Accepted and named",
            (Status::NotNamed, Lang::En) => "Not named",
            (Status::Demoted, Lang::En) => "Demoted to a cultivation town",
            (Status::Removed, Lang::En) => "Removed from the list",
        }
    }

    /// The statuses of a town still on the creation list: listed, named at
    /// the end of its period, or demoted to a cultivation town. Not named
    /// and removed towns have left it.
    pub const ON_CREATION_LIST: [Status; 3] = [Status::Listed, Status::Named, Status::Demoted];

    pub fn is_on_creation_list(self) -> bool {
        Status::ON_CREATION_LIST.contains(&self)
    }

    /// Officials may change the data only while it is theirs to change.
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }
}

/// What someone can do to a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    Withdraw,
    Approve,
    Reject,
    Return,
    List,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Withdraw => "withdraw",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Return => "return",
            Action::List => "list",
        }
    }
}

/// The status an action leads to from `from`, or `None` when the action is
/// not allowed there.
pub fn transition(from: Status, action: Action) -> Option<Status> {
    use Action as A;
    use Status as S;
    match (from, action) {
        (S::Draft | S::Returned, A::Submit) => Some(S::Submitted),
        (S::Draft | S::Submitted | S::Returned, A::Withdraw) => Some(S::Withdrawn),
        (S::Submitted, A::Approve) => Some(S::Approved),
        (S::Submitted, A::Reject) => Some(S::Rejected),
        (S::Submitted, A::Return) => Some(S::Returned),
        (S::Approved, A::List) => Some(S::Listed),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
            assert!(!s.label(Lang::Zh).is_empty() && !s.label(Lang::En).is_empty());
        }
        assert_eq!(Status::from_code("deleted"), None);
    }

    #[test]
    fn the_workflow_of_the_design() {
        use Action as A;
        use Status as S;
        assert_eq!(transition(S::Draft, A::Submit), Some(S::Submitted));
        assert_eq!(transition(S::Returned, A::Submit), Some(S::Submitted));
        assert_eq!(transition(S::Submitted, A::Submit), None, "no double submission");
        assert_eq!(transition(S::Submitted, A::Approve), Some(S::Approved));
        assert_eq!(transition(S::Submitted, A::Reject), Some(S::Rejected));
        assert_eq!(transition(S::Submitted, A::Return), Some(S::Returned));
        assert_eq!(transition(S::Approved, A::Approve), None, "a decision is taken once");
        assert_eq!(transition(S::Returned, A::Approve), None);
        assert_eq!(transition(S::Approved, A::List), Some(S::Listed));
        for from in [S::Draft, S::Submitted, S::Returned] {
            assert_eq!(transition(from, A::Withdraw), Some(S::Withdrawn));
        }
        for from in [S::Approved, S::Rejected, S::Withdrawn, S::Listed] {
            assert_eq!(transition(from, A::Withdraw), None);
        }
        assert!(S::Draft.is_editable() && S::Returned.is_editable());
        let on_list: Vec<Status> = Status::ALL.into_iter().filter(|s| s.is_on_creation_list()).collect();
        assert_eq!(on_list, vec![S::Listed, S::Named, S::Demoted]);
        assert!(!S::Submitted.is_editable() && !S::Approved.is_editable());
    }
}
