//! Snapshots of the SQL the translation writes, in both dialects: one resolved filter per
//! feature (each operator on each type, `and`/`or`/`not`, value paths, extensions, the columns
//! behind `meta`, memberships, `pr` on complex attributes) and one sort key per kind of path.
//!
//! Every comparison value below contains `§`, and [`render`] checks that the SQL text never
//! does: values reach the database only as bound parameters. The snapshots show the text and
//! the binds, so a change to the translation is reviewed as a diff of the SQL.

use insta::assert_snapshot;
use scim_core::filter::{ResolvedFilter, ResolvedPath, parse_filter, resolve};
use scim_core::schema::{Attribute, AttributeType as T, ResourceType, Schema, SchemaRegistry};

use super::{
    Bind, Dialect, ResourceKind, Rows, Sql, push_filter, push_member_filter, push_sort_key,
};

const DEVICE: &str = "urn:example:params:scim:schemas:test:2.0:Device";

/// The standard registry plus a type with the attribute types User and Group lack.
fn registry() -> SchemaRegistry {
    let mut registry = SchemaRegistry::standard();
    let slots = Attribute::complex(
        "slots",
        vec![
            Attribute::new("label", T::String),
            Attribute::new("sizes", T::Integer).multi_valued(),
            Attribute::new("primary", T::Boolean),
        ],
    )
    .multi_valued();
    let device = Schema::new(
        DEVICE,
        "Device",
        vec![
            Attribute::new("port", T::Integer),
            Attribute::new("weight", T::Decimal),
            Attribute::new("enabled", T::Boolean),
            Attribute::new("seenAt", T::DateTime),
            Attribute::new("firmware", T::Binary),
            Attribute::new("readings", T::Integer).multi_valued(),
            Attribute::new("tags", T::String)
                .multi_valued()
                .case_exact(),
            slots,
        ],
    )
    .unwrap();
    registry.add_schema(device).unwrap();
    registry
        .add_resource_type(ResourceType::new("Device", "/Devices", DEVICE))
        .unwrap();
    registry
}

fn resolved(resource_type: &str, text: &str) -> ResolvedFilter {
    let registry = registry();
    let parsed = parse_filter(text).unwrap();
    resolve(
        &parsed,
        &registry,
        registry.resource_type(resource_type).unwrap(),
    )
    .unwrap()
}

fn sort_path(resource_type: &str, path: &str) -> ResolvedPath {
    match resolved(resource_type, &format!("{path} pr")) {
        ResolvedFilter::Present(path) => path,
        other => panic!("{other:?}"),
    }
}

/// The statement in both dialects, text and binds, after checking that no value is spliced in.
fn render(build: impl Fn(&mut Sql)) -> String {
    let mut out = String::new();
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let mut sql = Sql::new(dialect);
        build(&mut sql);
        assert!(
            !sql.text().contains('§'),
            "a value was spliced into the SQL text: {}",
            sql.text()
        );
        let binds: Vec<String> = sql
            .binds()
            .iter()
            .map(|bind| match bind {
                Bind::Text(v) | Bind::Json(v) => format!("{v:?}"),
                other => format!("{other:?}"),
            })
            .collect();
        out.push_str(&format!(
            "-- {dialect:?}\n{}\n-- binds: {}\n",
            sql.text(),
            binds.join(", ")
        ));
    }
    out
}

fn filter_sql(resource_type: &str, text: &str) -> String {
    let filter = resolved(resource_type, text);
    let rows = Rows {
        tenant: "tenant-1",
        resource_type,
        target: ResourceKind::of(resource_type),
    };
    format!(
        "-- {resource_type}: {text}\n{}",
        render(|sql| push_filter(sql, rows, &filter).unwrap())
    )
}

/// One snapshot per filter, named after the feature it shows.
macro_rules! filter_snapshots {
    ($($name:ident: $resource_type:literal, $filter:literal;)*) => {
        $(
            #[test]
            fn $name() {
                assert_snapshot!(stringify!($name), filter_sql($resource_type, $filter));
            }
        )*
    };
}

filter_snapshots! {
    // Strings in the document: every operator, folded (title is not case-exact).
    string_eq: "User", r#"title eq "Tour §Guide""#;
    string_co: "User", r#"title co "§""#;
    string_co_empty: "User", r#"title co """#;
    string_sw: "User", r#"title sw "§Tour""#;
    string_ew: "User", r#"title ew "Guide§""#;
    string_gt: "User", r#"title gt "§M""#;
    string_ge: "User", r#"title ge "§M""#;
    string_lt: "User", r#"title lt "§M""#;
    string_le: "User", r#"title le "§M""#;
    string_ne: "User", r#"title ne "§x""#;
    string_eq_null: "User", "title eq null";
    string_with_nul: "User", r#"title gt "a§\u0000b""#;
    case_exact_binary: "User", r#"x509Certificates.value eq "TW§Fu""#;
    multi_valued_string: "User", r#"schemas eq "urn:§""#;
    // Other types.
    boolean_eq: "User", "active eq true";
    integer_gt: "Device", "port gt 80";
    decimal_le: "Device", "weight le 1.5";
    date_time_ge: "Device", r#"seenAt ge "2011-05-13T04:42:34.5+02:00""#;
    binary_eq: "Device", r#"firmware eq "TW§Fu""#;
    multi_valued_integer: "Device", "readings eq 5";
    multi_valued_sub_attribute: "Device", "slots.sizes ge 2";
    // Columns: id, externalId, the indexed name, meta.
    id_eq: "User", r#"id eq "§1""#;
    id_gt: "User", r#"id gt "§1""#;
    external_id_eq: "User", r#"externalId eq "§ext""#;
    external_id_pr: "User", "externalId pr";
    user_name_eq: "User", r#"userName eq "BJensen§""#;
    group_display_name_sw: "Group", r#"displayName sw "Sales§""#;
    meta_created_gt: "User", r#"meta.created gt "2011-05-13T04:42:34Z""#;
    meta_last_modified_eq_nanos: "User", r#"meta.lastModified eq "2011-05-13T04:42:34.000000001Z""#;
    meta_last_modified_le_nanos: "User", r#"meta.lastModified le "2011-05-13T04:42:34.000000001Z""#;
    meta_version_eq: "User", r#"meta.version eq "W/\"§3\"""#;
    meta_resource_type_eq: "User", r#"meta.resourceType eq "User§""#;
    meta_pr: "User", "meta pr";
    meta_value_path: "User", r#"meta[created lt "2025-01-01T00:00:00Z" and version sw "W/§"]"#;
    // Presence.
    pr_simple: "User", "title pr";
    pr_complex: "User", "name pr";
    pr_multi_valued_complex: "User", "emails pr";
    pr_sub_attribute: "User", "name.givenName pr";
    // Logic.
    and_or: "User", r#"title pr and (userType eq "§Employee" or active eq false)"#;
    not: "User", r#"not (emails.type eq "§work")"#;
    // Value paths.
    value_path_multi_valued: "User", r#"emails[type eq "work§" and value co "@example.com§"]"#;
    value_path_single_valued: "User", r#"name[givenName eq "§Ba" or not (familyName pr)]"#;
    complex_compares_its_value: "User", r#"emails co "example§""#;
    // An `eq` on a multi-valued attribute's value: looked up in resource_values (SQLite).
    indexed_value_path: "User", r#"emails[type eq "work§" and value eq "BJ@Example.com§"]"#;
    indexed_dotted: "User", r#"emails.value eq "BJ@Example.com§""#;
    indexed_case_exact_items: "Device", r#"tags eq "§Alpha" and port gt 80"#;
    indexed_not_under_or: "User", r#"emails.value eq "a§" or title pr"#;
    indexed_not_labels: "User", r#"phoneNumbers.type eq "Work§""#;
    // Extension attributes.
    extension_eq: "User", r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "§701984""#;
    extension_sub_attribute: "User", r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "§26118915""#;
    extension_value_path: "User", r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value pr]"#;
    // Memberships.
    members_value_eq: "Group", r#"members.value eq "§2819c223""#;
    members_display_co: "Group", r#"members.display co "§bab""#;
    members_pr: "Group", "members pr";
    members_value_path: "Group", r#"members[type eq "User§" and not (display sw "§x")]"#;
    groups_display_eq: "User", r#"groups.display eq "§Tour Guides""#;
    groups_type_eq: "User", r#"groups[type eq "direct§"]"#;
}

/// The condition PATCH uses to pick the members a `members[...]` path removes.
#[test]
fn member_filter_for_patch() {
    let filter = resolved(
        "Group",
        r#"members[value eq "§2819c223" or display ew "§son"]"#,
    );
    let ResolvedFilter::ValuePath(value_path) = filter else {
        panic!("a value path")
    };
    assert_snapshot!(
        "member_filter_for_patch",
        render(|sql| push_member_filter(sql, value_path.filter()).unwrap())
    );
}

/// One snapshot per kind of sort key.
macro_rules! sort_snapshots {
    ($($name:ident: $resource_type:literal, $path:literal;)*) => {
        $(
            #[test]
            fn $name() {
                let path = sort_path($resource_type, $path);
                let target = ResourceKind::of($resource_type);
                assert_snapshot!(
                    stringify!($name),
                    format!(
                        "-- {}: sortBy={}\n{}",
                        $resource_type,
                        $path,
                        render(|sql| push_sort_key(sql, target, &path))
                    )
                );
            }
        )*
    };
}

sort_snapshots! {
    sort_user_name: "User", "userName";
    sort_meta_created: "User", "meta.created";
    sort_meta_location: "User", "meta.location";
    sort_single_valued: "User", "title";
    sort_sub_attribute: "User", "name.familyName";
    sort_multi_valued_primary: "User", "emails.value";
    sort_multi_valued_simple: "User", "schemas";
    sort_extension: "User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber";
    sort_boolean: "User", "active";
    sort_integer: "Device", "port";
    sort_multi_valued_sub_attribute: "Device", "slots.sizes";
    sort_members_display: "Group", "members.display";
    sort_members_value: "Group", "members.value";
    sort_groups_type: "User", "groups.type";
}
