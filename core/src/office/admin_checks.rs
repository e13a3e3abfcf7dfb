//! The checks an administrator's additions pass before the server stores
//! them: a new user (name, units fitting the role) and a local category
//! (id, code, names, limits, look-back). The messages say what was wrong,
//! since the admin screens show them.

use super::OfficeError;
use crate::codes::ErrorCode;
use crate::model::{Category, CategoryDictionary, CategoryKind, OrgKind, Reference, Role};
use crate::sync::office_wire::NewUser;

/// Whether a user name is `[A-Za-z0-9._-]{2,32}`.
pub fn valid_username(name: &str) -> bool {
    (2..=32).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Checks a user to add to `reference`: the name's form, that it is not
/// taken (`already_exists`), a display name, and units that fit the role.
pub fn check_new_user(reference: &Reference, user: &NewUser) -> Result<(), OfficeError> {
    if !valid_username(&user.username) {
        return Err(OfficeError::invalid(format!(
            "user name {:?}: 2–32 ASCII letters, digits, '.', '_' or '-'",
            user.username
        )));
    }
    if reference.user_by_name(&user.username).is_some() || reference.user(&format!("u-{}", user.username)).is_some() {
        return Err(OfficeError::new(ErrorCode::AlreadyExists, format!("user {} exists", user.username)));
    }
    if user.name.trim().is_empty() {
        return Err(OfficeError::invalid("the name must not be blank"));
    }
    let kind_of = |id: &str| reference.org.unit(id).map(|u| u.kind);
    let all_of = |kinds: &[OrgKind]| {
        !user.units.is_empty() && user.units.iter().all(|u| kind_of(u).is_some_and(|k| kinds.contains(&k)))
    };
    let fits = match user.role {
        Role::GridWorker | Role::GridLeader => all_of(&[OrgKind::Grid]),
        Role::Supervisor => all_of(&[OrgKind::Community, OrgKind::Village]),
        Role::StreetLeader | Role::Admin => user.units.len() == 1 && all_of(&[OrgKind::Street]),
        Role::Department => user.units.len() == 1 && reference.org.departments.iter().any(|d| d.id == user.units[0]),
    };
    if !fits {
        let want = match user.role {
            Role::GridWorker | Role::GridLeader => "one or more grids",
            Role::Supervisor => "communities or villages",
            Role::StreetLeader | Role::Admin => "the street office",
            Role::Department => "exactly one department",
        };
        return Err(OfficeError::invalid(format!(
            "units [{}] do not fit the role {:?}: it needs {want}",
            user.units.join(", "),
            user.role
        )));
    }
    Ok(())
}

/// Checks a local category to add to `dictionary`: the id is `E`/`C` by
/// kind followed by a four-digit code whose major class and subclass are
/// not `00`, not taken (`already_exists`); names are not blank and a known
/// major class keeps its name; limits are at least 1 (they parse as
/// [`crate::model::TimeLimit`] already) and the look-back is 1–365 days.
pub fn check_new_category(dictionary: &CategoryDictionary, c: &Category) -> Result<(), OfficeError> {
    let digits = c.code.len() == 4 && c.code.bytes().all(|b| b.is_ascii_digit());
    if !digits || &c.code[..2] == "00" || &c.code[2..] == "00" {
        return Err(OfficeError::invalid(format!(
            "code {:?}: four digits, neither the major class nor the subclass 00",
            c.code
        )));
    }
    let prefix = match c.kind {
        CategoryKind::Component => "C",
        CategoryKind::Event => "E",
    };
    if c.id != format!("{prefix}{}", c.code) {
        return Err(OfficeError::invalid(format!("id {:?} must be {prefix}{}", c.id, c.code)));
    }
    if dictionary.get(&c.id).is_some() {
        return Err(OfficeError::new(ErrorCode::AlreadyExists, format!("category {} exists", c.id)));
    }
    if c.name.trim().is_empty() || c.major_name.trim().is_empty() {
        return Err(OfficeError::invalid("the category and major class names must not be blank"));
    }
    if let Some(same_major) = dictionary
        .categories
        .iter()
        .find(|x| x.kind == c.kind && x.major() == c.major() && x.major_name != c.major_name)
    {
        return Err(OfficeError::invalid(format!(
            "major class {}{} is called {}, not {}",
            prefix,
            c.major(),
            same_major.major_name,
            c.major_name
        )));
    }
    let l = &c.limits;
    if [l.respond, l.accept, l.dispatch, l.handle, l.verify].iter().any(|t| t.amount == 0) {
        return Err(OfficeError::invalid("every time limit must be at least 1"));
    }
    if !(1..=365).contains(&c.lookback_days) {
        return Err(OfficeError::invalid(format!("look-back {} days: 1–365", c.lookback_days)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{StepLimits, TimeLimit};

    fn user(username: &str, role: Role, units: &[&str]) -> NewUser {
        NewUser {
            username: username.into(),
            name: "新同事".into(),
            role,
            units: units.iter().map(|u| u.to_string()).collect(),
        }
    }

    #[test]
    fn new_users_need_a_free_name_and_units_that_fit() {
        let r = crate::demo::reference();
        assert!(check_new_user(&r, &user("worker99", Role::GridWorker, &["QS01-G01", "QS01-G02"])).is_ok());
        assert!(check_new_user(&r, &user("sup9", Role::Supervisor, &["QS01"])).is_ok());
        assert!(check_new_user(&r, &user("street9", Role::StreetLeader, &["QS"])).is_ok());
        assert!(check_new_user(&r, &user("dept9", Role::Department, &["D-CG"])).is_ok());
        let code = |u: NewUser| check_new_user(&r, &u).unwrap_err().code;
        assert_eq!(code(user("worker1", Role::GridWorker, &["QS01-G01"])), ErrorCode::AlreadyExists);
        assert_eq!(code(user("x", Role::GridWorker, &["QS01-G01"])), ErrorCode::Invalid);
        assert_eq!(code(user("bad name", Role::GridWorker, &["QS01-G01"])), ErrorCode::Invalid);
        assert_eq!(code(user("w9", Role::GridWorker, &["QS01"])), ErrorCode::Invalid);
        assert_eq!(code(user("w9", Role::GridWorker, &[])), ErrorCode::Invalid);
        assert_eq!(code(user("s9", Role::Supervisor, &["QS01-G01"])), ErrorCode::Invalid);
        assert_eq!(code(user("d9", Role::Department, &["D-CG", "D-SZ"])), ErrorCode::Invalid);
        assert_eq!(code(user("a9", Role::Admin, &["QS01"])), ErrorCode::Invalid);
        let blank = NewUser { name: "  ".into(), ..user("w9", Role::GridWorker, &["QS01-G01"]) };
        assert_eq!(code(blank), ErrorCode::Invalid);
    }

    #[test]
    fn local_categories_are_checked_against_the_dictionary() {
        let dict = crate::demo::categories();
        let existing = dict.categories.iter().find(|c| c.kind == CategoryKind::Event).unwrap().clone();
        let limits = StepLimits {
            respond: TimeLimit::hours(2),
            accept: TimeLimit::hours(1),
            dispatch: TimeLimit::hours(1),
            handle: TimeLimit::days(1),
            verify: TimeLimit::hours(4),
        };
        let free = (1..100)
            .map(|n| format!("{}{n:02}", existing.major()))
            .find(|code| dict.get(&format!("E{code}")).is_none())
            .unwrap();
        let new = Category {
            id: format!("E{free}"),
            kind: CategoryKind::Event,
            code: free.clone(),
            major_name: existing.major_name.clone(),
            name: "共享单车乱停放".into(),
            limits,
            lookback_days: 3,
            local: true,
        };
        assert!(check_new_category(&dict, &new).is_ok());
        let code = |c: Category| check_new_category(&dict, &c).unwrap_err().code;
        assert_eq!(
            code(Category { id: existing.id.clone(), code: existing.code.clone(), ..new.clone() }),
            ErrorCode::AlreadyExists
        );
        assert_eq!(code(Category { id: format!("C{free}"), ..new.clone() }), ErrorCode::Invalid);
        assert_eq!(code(Category { id: "E0100".into(), code: "0100".into(), ..new.clone() }), ErrorCode::Invalid);
        assert_eq!(code(Category { id: "E0001".into(), code: "0001".into(), ..new.clone() }), ErrorCode::Invalid);
        assert_eq!(code(Category { major_name: "别的大类".into(), ..new.clone() }), ErrorCode::Invalid);
        assert_eq!(code(Category { name: " ".into(), ..new.clone() }), ErrorCode::Invalid);
        assert_eq!(code(Category { lookback_days: 0, ..new.clone() }), ErrorCode::Invalid);
        assert_eq!(code(Category { lookback_days: 366, ..new }), ErrorCode::Invalid);
    }
}
