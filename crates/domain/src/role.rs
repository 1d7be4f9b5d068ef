//! Roles of the users (DESIGN.md "Who uses it"); the scope is a division code held beside the role.

crate::code_enum!(
    /// What a user may do; where they may do it is their scope division.
    Role, "角色" {
        TownStaff = ("town_staff", "镇乡村振兴办"),
        VillageCadre = ("village_cadre", "村干部"),
        Helper = ("helper", "帮扶责任人"),
        Department = ("department", "部门"),
        CountyApprover = ("county_approver", "县级审定"),
        Viewer = ("viewer", "领导"),
        Admin = ("admin", "管理员"),
    }
);

impl Role {
    /// May this role change registry records (households, members, imports)?
    pub fn can_edit_registry(self) -> bool {
        matches!(self, Role::TownStaff | Role::VillageCadre | Role::Admin)
    }

    /// May this role ask for unmasked ID numbers and phones (in exports or on screen)?
    pub fn can_unmask(self) -> bool {
        matches!(self, Role::TownStaff | Role::Admin | Role::CountyApprover)
    }

    /// May this role read the registry at all? Departments only upload.
    pub fn can_read_registry(self) -> bool {
        !matches!(self, Role::Department)
    }

    pub fn can_manage_users(self) -> bool {
        matches!(self, Role::Admin)
    }
}
