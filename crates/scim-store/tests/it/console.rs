//! The web console's storage: sessions, one-time links, the change log newest first and a
//! group's members a page at a time, on every backend.

use chrono::{Duration, Utc};
use scim_store::{
    Actor, ActorFilter, ConsoleScope, EventActor, EventQuery, EventType, LinkRedemption,
    NewConsoleLink, NewConsoleSession, Store, StoreError, TenantId,
};
use serde_json::json;

use crate::backends::{tenant, unique};
use crate::conformance::{group, id, user};

fn session(scope: ConsoleScope, lasts: Duration) -> NewConsoleSession {
    let now = Utc::now();
    NewConsoleSession {
        id_hash: unique("session-hash"),
        scope,
        created_at: now,
        expires_at: now + lasts,
    }
}

fn link(tenant: &TenantId, lasts: Duration) -> NewConsoleLink {
    let now = Utc::now();
    NewConsoleLink {
        token_hash: unique("link-hash"),
        tenant: tenant.clone(),
        created_at: now,
        expires_at: now + lasts,
        created_by: EventActor::Cli,
    }
}

fn redeem(store: &dyn Store, token_hash: &str) -> Option<scim_store::ConsoleSession> {
    store
        .redeem_console_link(&LinkRedemption {
            token_hash: token_hash.to_owned(),
            session_id_hash: unique("session-hash"),
            at: Utc::now(),
            session_expires_at: Utc::now() + Duration::hours(1),
        })
        .unwrap()
}

fn recent(store: &dyn Store, tenant: &TenantId, query: EventQuery) -> Vec<scim_store::Event> {
    store.recent_events(tenant, &query).unwrap()
}

fn sessions_are_kept_touched_and_ended(store: &dyn Store) {
    let operator = store
        .create_console_session(&session(ConsoleScope::Operator, Duration::hours(8)))
        .unwrap();
    assert_eq!(operator.scope, ConsoleScope::Operator);
    assert_eq!(
        store.console_session(&operator.id_hash).unwrap(),
        Some(operator.clone())
    );
    let later = operator.last_seen_at + Duration::minutes(5);
    store
        .touch_console_session(&operator.id_hash, later)
        .unwrap();
    store
        .touch_console_session(&operator.id_hash, operator.last_seen_at)
        .unwrap();
    let touched = store.console_session(&operator.id_hash).unwrap().unwrap();
    assert_eq!(
        touched.last_seen_at.timestamp_micros(),
        later.timestamp_micros(),
        "an earlier use never moves it back"
    );

    let acme = tenant(store);
    let scoped = store
        .create_console_session(&session(
            ConsoleScope::Tenant(acme.clone()),
            Duration::hours(1),
        ))
        .unwrap();
    assert_eq!(scoped.scope.tenant(), Some(&acme));
    let missing = TenantId::new(unique("missing")).unwrap();
    assert!(matches!(
        store.create_console_session(&session(ConsoleScope::Tenant(missing), Duration::hours(1))),
        Err(StoreError::TenantNotFound(_))
    ));

    assert!(store.delete_console_session(&operator.id_hash).unwrap());
    assert!(!store.delete_console_session(&operator.id_hash).unwrap());
    assert_eq!(store.console_session(&operator.id_hash).unwrap(), None);
    assert_eq!(store.console_session("no\0such").unwrap(), None);

    // Expired sessions are still read (the caller refuses them), until pruned.
    let expired = store
        .create_console_session(&session(ConsoleScope::Operator, Duration::seconds(-1)))
        .unwrap();
    assert!(store.console_session(&expired.id_hash).unwrap().is_some());
    assert!(store.prune_console(Utc::now()).unwrap() >= 1);
    assert_eq!(store.console_session(&expired.id_hash).unwrap(), None);
    assert!(
        store.console_session(&scoped.id_hash).unwrap().is_some(),
        "a live session is not pruned"
    );
}

fn a_link_opens_one_session_once(store: &dyn Store) {
    let acme = tenant(store);
    let once = link(&acme, Duration::hours(1));
    store.create_console_link(&once).unwrap();
    let opened = redeem(store, &once.token_hash).expect("a fresh link opens a session");
    assert_eq!(opened.scope, ConsoleScope::Tenant(acme.clone()));
    assert_eq!(redeem(store, &once.token_hash), None, "used once already");

    let expired = link(&acme, Duration::seconds(-1));
    store.create_console_link(&expired).unwrap();
    assert_eq!(redeem(store, &expired.token_hash), None);
    assert_eq!(redeem(store, "never-issued"), None);
    assert_eq!(redeem(store, "nul\0byte"), None);

    let missing = TenantId::new(unique("missing")).unwrap();
    assert!(matches!(
        store.create_console_link(&link(&missing, Duration::hours(1))),
        Err(StoreError::TenantNotFound(_))
    ));

    // Redeemed at once by several server processes: one session, whoever wins.
    let raced = link(&acme, Duration::hours(1));
    store.create_console_link(&raced).unwrap();
    let opened = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| redeem(store, &raced.token_hash)))
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .count()
    });
    assert_eq!(opened, 1);
}

fn deleting_a_tenant_ends_its_sessions_and_links(store: &dyn Store) {
    let acme = tenant(store);
    let scoped = store
        .create_console_session(&session(
            ConsoleScope::Tenant(acme.clone()),
            Duration::hours(1),
        ))
        .unwrap();
    let pending = link(&acme, Duration::hours(1));
    store.create_console_link(&pending).unwrap();
    assert!(store.delete_tenant(&acme).unwrap());
    assert_eq!(store.console_session(&scoped.id_hash).unwrap(), None);
    store.create_tenant(&acme, &Default::default()).unwrap();
    assert_eq!(
        redeem(store, &pending.token_hash),
        None,
        "a link of the deleted tenant does not open its successor's pages"
    );
}

fn recent_events_are_filtered_newest_first(store: &dyn Store) {
    let acme = tenant(store);
    let ada = store
        .create(
            Actor::tenant(&acme).with_token("key-1"),
            "User",
            &json!({"userName": "ada"}),
        )
        .unwrap();
    let grace = user(store, &acme, "grace");
    let team = group(store, &acme, "Team", &[&id(&ada)]);
    store
        .replace(
            Actor::tenant(&acme).with_token("key-1"),
            "User",
            &id(&ada),
            &json!({"userName": "ada", "active": false}),
            None,
        )
        .unwrap();
    let all = recent(
        store,
        &acme,
        EventQuery {
            limit: 100,
            ..EventQuery::default()
        },
    );
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seqs, sorted, "newest first");
    assert_eq!(all.len() as i64, all[0].seq);

    let about_ada = recent(
        store,
        &acme,
        EventQuery {
            resource_id: Some(id(&ada)),
            limit: 100,
            ..EventQuery::default()
        },
    );
    let types: Vec<EventType> = about_ada.iter().map(|e| e.event_type).collect();
    assert_eq!(types, [EventType::UserDeactivated, EventType::UserCreated]);
    let ada_history = recent(
        store,
        &acme,
        EventQuery {
            subject: Some(id(&ada)),
            limit: 100,
            ..EventQuery::default()
        },
    );
    let types: Vec<EventType> = ada_history.iter().map(|e| e.event_type).collect();
    assert_eq!(
        types,
        [
            EventType::UserDeactivated,
            EventType::GroupMembersAdded,
            EventType::UserCreated
        ],
        "a person's history has the member events of their groups"
    );
    assert_eq!(ada_history[1].resource.name.as_deref(), Some("Team"));

    let by_key = recent(
        store,
        &acme,
        EventQuery {
            actor: Some(ActorFilter::AnyKey),
            limit: 100,
            ..EventQuery::default()
        },
    );
    assert!(!by_key.is_empty());
    assert!(
        by_key
            .iter()
            .all(|e| e.actor == EventActor::Token("key-1".into()))
    );
    let by_cli = recent(
        store,
        &acme,
        EventQuery {
            actor: Some(ActorFilter::Is(EventActor::Cli)),
            types: vec![EventType::UserCreated, EventType::GroupCreated],
            limit: 100,
            ..EventQuery::default()
        },
    );
    let names: Vec<Option<&str>> = by_cli.iter().map(|e| e.resource.name.as_deref()).collect();
    assert_eq!(names, [Some("Team"), Some("grace")]);
    let _ = (&grace, &team);

    // Pages continue before the last seq shown; `after` finds what is new.
    let first = recent(
        store,
        &acme,
        EventQuery {
            limit: 2,
            ..EventQuery::default()
        },
    );
    let next = recent(
        store,
        &acme,
        EventQuery {
            before: Some(first[1].seq),
            limit: 2,
            ..EventQuery::default()
        },
    );
    assert_eq!(next[0].seq, first[1].seq - 1);
    let newer = recent(
        store,
        &acme,
        EventQuery {
            after: Some(first[1].seq),
            limit: 100,
            ..EventQuery::default()
        },
    );
    assert_eq!(newer, first[..1]);
    let other = tenant(store);
    assert!(
        recent(
            store,
            &other,
            EventQuery {
                resource_id: Some(id(&ada)),
                limit: 100,
                ..EventQuery::default()
            }
        )
        .is_empty(),
        "another tenant's log never shows"
    );
}

fn group_members_come_a_page_at_a_time(store: &dyn Store) {
    let acme = tenant(store);
    let users: Vec<String> = (0..5)
        .map(|i| id(&user(store, &acme, &format!("member{i}"))))
        .collect();
    let inner = group(store, &acme, "Inner", &[]);
    let mut members: Vec<&str> = users.iter().map(String::as_str).collect();
    let inner_id = id(&inner);
    members.push(&inner_id);
    let team = id(&group(store, &acme, "Team", &members));

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .group_members(&acme, &team, after.as_deref(), 2)
            .unwrap();
        assert_eq!(page.total, 6);
        assert!(page.members.len() <= 2);
        seen.extend(page.members);
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let ids: Vec<&str> = seen.iter().map(|m| m.id.as_str()).collect();
    let mut expected: Vec<&str> = members.clone();
    expected.sort_unstable();
    assert_eq!(ids, expected, "every member once, in byte order of ids");
    let first = seen.iter().find(|m| m.id == users[0]).unwrap();
    assert_eq!(first.member_type, "User");
    assert_eq!(first.name.as_deref(), Some("member0"));
    assert_eq!(first.active, Some(true));
    let nested = seen.iter().find(|m| m.id == inner_id).unwrap();
    assert_eq!(
        (
            nested.member_type.as_str(),
            nested.name.as_deref(),
            nested.active
        ),
        ("Group", Some("Inner"), None)
    );

    let counted = store.group_members(&acme, &team, None, 0).unwrap();
    assert_eq!((counted.total, counted.members.len()), (6, 0));
    let other = tenant(store);
    assert!(matches!(
        store.group_members(&other, &team, None, 10),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.group_members(&acme, &users[0], None, 10),
        Err(StoreError::NotFound { .. })
    ));
}

/// The types of the events about `id` (`subject`: and of the events that list it), newest first.
fn history(store: &dyn Store, tenant: &TenantId, id: &str, subject: bool) -> Vec<EventType> {
    let query = if subject {
        EventQuery {
            subject: Some(id.to_owned()),
            limit: 100,
            ..EventQuery::default()
        }
    } else {
        EventQuery {
            resource_id: Some(id.to_owned()),
            limit: 100,
            ..EventQuery::default()
        }
    };
    recent(store, tenant, query)
        .iter()
        .map(|e| e.event_type)
        .collect()
}

fn a_history_outlives_its_resource_and_skips_no_event(store: &dyn Store) {
    let acme = tenant(store);
    let ada = id(&user(store, &acme, "ada"));
    let grace = id(&user(store, &acme, "grace"));
    let team = id(&group(store, &acme, "Team", &[&ada]));
    let by_key = || Actor::tenant(&acme).with_token("key-1");
    // One write, two events about ada; others' writes in between.
    store
        .replace(
            by_key(),
            "User",
            &ada,
            &json!({"userName": "ada.l", "active": false}),
            None,
        )
        .unwrap();
    user(store, &acme, "linus");
    store
        .replace(
            by_key(),
            "User",
            &grace,
            &json!({"userName": "grace.h"}),
            None,
        )
        .unwrap();
    store
        .replace(by_key(), "User", &ada, &json!({"userName": "ada.l"}), None)
        .unwrap();
    store.delete(by_key(), "User", &ada, None).unwrap();
    store.delete(by_key(), "Group", &team, None).unwrap();

    use EventType::*;
    assert_eq!(
        history(store, &acme, &ada, false),
        [
            UserDeleted,
            UserReactivated,
            UserDeactivated,
            UserUpdated,
            UserCreated
        ],
        "a deleted person's history is whole"
    );
    assert_eq!(
        history(store, &acme, &ada, true),
        [
            GroupMembersRemoved,
            UserDeleted,
            UserReactivated,
            UserDeactivated,
            UserUpdated,
            GroupMembersAdded,
            UserCreated
        ],
    );
    assert_eq!(
        history(store, &acme, &grace, false),
        [UserUpdated, UserCreated]
    );
    assert_eq!(
        history(store, &acme, &team, false),
        [
            GroupDeleted,
            GroupMembersRemoved,
            GroupMembersAdded,
            GroupCreated
        ]
    );
    // Paging within one history: the events before a number.
    let older = recent(
        store,
        &acme,
        EventQuery {
            resource_id: Some(ada.clone()),
            before: Some(
                recent(
                    store,
                    &acme,
                    EventQuery {
                        resource_id: Some(ada.clone()),
                        limit: 2,
                        ..EventQuery::default()
                    },
                )[1]
                .seq,
            ),
            limit: 2,
            ..EventQuery::default()
        },
    );
    let types: Vec<EventType> = older.iter().map(|e| e.event_type).collect();
    assert_eq!(types, [UserDeactivated, UserUpdated]);

    let token = scim_store::NewToken {
        id: unique("tok"),
        tenant: acme.clone(),
        token_hash: unique("sha256:"),
        scopes: vec![scim_store::Scope::Read],
        description: "history".into(),
        issued_at: Utc::now(),
        expires_at: None,
    };
    store.insert_token(&token, &EventActor::Cli).unwrap();
    assert!(store.revoke_token(&token.id, &EventActor::Cli).unwrap());
    assert_eq!(
        history(store, &acme, &token.id, false),
        [TokenRevoked, TokenIssued],
        "what has no row has a history too"
    );
}

crate::on_every_backend!(
    sessions_are_kept_touched_and_ended,
    a_link_opens_one_session_once,
    deleting_a_tenant_ends_its_sessions_and_links,
    recent_events_are_filtered_newest_first,
    a_history_outlives_its_resource_and_skips_no_event,
    group_members_come_a_page_at_a_time,
);
