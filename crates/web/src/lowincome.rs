//! The rural low-income population (issue 5): who may do what. The pages live in
//! `lowincome_rolls` (rolls, periodic review, standards) and `lowincome_pages` (the population
//! page and dashboard, medical three tiers, pension premium subsidy, care rosters); pages, API and
//! menus ask these same questions.

use zhenxing_domain::Role;

/// See the rolls, the low-income population page, medical costs and care rosters (in scope).
pub fn may_read(role: Role) -> bool {
    matches!(
        role,
        Role::TownStaff | Role::VillageCadre | Role::CountyApprover | Role::Viewer | Role::Admin
    )
}

/// Enter, import, end and review roll entries: the township clerk.
pub fn may_edit_rolls(role: Role) -> bool {
    matches!(role, Role::TownStaff | Role::Admin)
}

/// Confirm or correct care-roster entries and record visits: village cadres and the township.
pub fn may_care(role: Role) -> bool {
    matches!(role, Role::TownStaff | Role::VillageCadre)
}

/// Export the pension premium subsidy list for the social-insurance office.
pub fn may_export_premium(role: Role) -> bool {
    matches!(role, Role::TownStaff | Role::Admin | Role::CountyApprover)
}
