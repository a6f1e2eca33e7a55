use super::*;

fn setup() -> (Arc<dyn Store>, Authenticator, TenantId) {
    let (store, tenant) = crate::test_store::store_with_acme();
    let keys = SigningKeys::hs256(&[7u8; 32]).unwrap();
    let auth = Authenticator::new(store.clone(), keys, "test", StdDuration::from_secs(60));
    (store, auth, tenant)
}

fn issue(store: &dyn Store, auth: &Authenticator, tenant: &TenantId, write: bool) -> String {
    let request = IssueRequest {
        tenant: tenant.clone(),
        valid_for: Duration::days(1),
        write,
        description: String::new(),
        issued_by: scim_store::EventActor::Cli,
    };
    issue_token(store, &auth.keys(), "test", &request, Utc::now())
        .unwrap()
        .0
}

#[test]
fn issued_tokens_authenticate_with_their_tenant_and_scopes() {
    let (store, auth, tenant) = setup();
    let token = issue(&*store, &auth, &tenant, false);
    let principal = auth
        .authenticate(Some(&format!("Bearer {token}")), Utc::now())
        .unwrap();
    assert_eq!(principal.tenant, tenant);
    assert!(principal.may(Scope::Read));
    assert!(!principal.may(Scope::Write));
    // Cached now, and still right.
    assert_eq!(
        auth.authenticate(Some(&format!("bearer  {token} ")), Utc::now())
            .unwrap(),
        principal
    );
}

#[test]
fn bad_tokens_are_refused() {
    let (store, auth, tenant) = setup();
    let token = issue(&*store, &auth, &tenant, true);
    let now = Utc::now();
    assert_eq!(auth.authenticate(None, now), Err(AuthError::Missing));
    assert_eq!(
        auth.authenticate(Some("Bearer "), now),
        Err(AuthError::Missing)
    );
    assert_eq!(
        auth.authenticate(Some("Basic abc"), now),
        Err(AuthError::Missing)
    );
    assert_eq!(
        auth.authenticate(Some("Bearer not.a.jwt"), now),
        Err(AuthError::Invalid)
    );
    // Signed with another key.
    let other = SigningKeys::hs256(&[8u8; 32]).unwrap();
    let forged_claims =
        jsonwebtoken::decode::<Claims>(&token, auth.keys().decoding(), &auth.validation)
            .unwrap()
            .claims;
    let forged = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &forged_claims,
        other.encoding().unwrap(),
    )
    .unwrap();
    assert_eq!(
        auth.authenticate(Some(&format!("Bearer {forged}")), now),
        Err(AuthError::Invalid)
    );
    // alg: none.
    let mut parts = token.split('.');
    let (_, payload) = (parts.next(), parts.next().unwrap());
    let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    assert_eq!(
        auth.authenticate(Some(&format!("Bearer {none}")), now),
        Err(AuthError::Invalid)
    );
    // Expired.
    assert_eq!(
        auth.authenticate(Some(&format!("Bearer {token}")), now + Duration::days(2)),
        Err(AuthError::Expired)
    );
}

#[test]
fn ed25519_keys_sign_and_a_public_key_alone_verifies() {
    let (store, _, tenant) = setup();
    let private = include_bytes!("../../test_data/keys/ed25519-private.pem");
    let public = include_bytes!("../../test_data/keys/ed25519-public.pem");
    let signer = SigningKeys::ed25519(Some(private), public).unwrap();
    let request = IssueRequest {
        tenant: tenant.clone(),
        valid_for: Duration::days(1),
        write: true,
        description: String::new(),
        issued_by: scim_store::EventActor::Cli,
    };
    let (token, _) = issue_token(&*store, &signer, "test", &request, Utc::now()).unwrap();
    let verifier = SigningKeys::ed25519(None, public).unwrap();
    assert!(verifier.encoding().is_none());
    let auth = Authenticator::new(store.clone(), verifier, "test", StdDuration::from_secs(60));
    assert_eq!(
        auth.authenticate(Some(&format!("Bearer {token}")), Utc::now())
            .unwrap()
            .tenant,
        tenant
    );
    // An HS256 token signed with the public key's bytes (algorithm confusion) is refused.
    let confused = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &jsonwebtoken::decode::<Claims>(&token, auth.keys().decoding(), &auth.validation)
            .unwrap()
            .claims,
        &jsonwebtoken::EncodingKey::from_secret(public),
    )
    .unwrap();
    assert_eq!(
        auth.authenticate(Some(&format!("Bearer {confused}")), Utc::now()),
        Err(AuthError::Invalid)
    );
    let unusable = issue_token(&*store, &auth.keys(), "test", &request, Utc::now());
    assert!(matches!(unusable, Err(IssueError::NoSigningKey)));
}

#[test]
fn keys_of_a_previous_secret_work_while_it_is_trusted() {
    let (store, old_auth, tenant) = setup();
    let old_token = issue(&*store, &old_auth, &tenant, true);
    let header: jsonwebtoken::Header = jsonwebtoken::decode_header(&old_token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(old_auth.keys().key_id()));
    let old_secret = [7u8; 32];
    let new_secret = [9u8; 32];
    let rotated = SigningKeys::hs256(&new_secret)
        .unwrap()
        .trust_previous_secret(&old_secret)
        .unwrap();
    assert_ne!(rotated.key_id(), old_auth.keys().key_id());
    let auth = Authenticator::new(store.clone(), rotated, "test", StdDuration::from_secs(60));
    let new_token = issue(&*store, &auth, &tenant, true);
    for token in [&old_token, &new_token] {
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {token}")), Utc::now())
                .unwrap()
                .tenant,
            tenant
        );
    }
    // Once the previous secret is dropped, its keys stop working.
    let dropped = SigningKeys::hs256(&new_secret).unwrap();
    let auth = Authenticator::new(store.clone(), dropped, "test", StdDuration::from_secs(60));
    assert_eq!(
        auth.authenticate(Some(&format!("Bearer {old_token}")), Utc::now()),
        Err(AuthError::Invalid)
    );
    assert!(
        auth.authenticate(Some(&format!("Bearer {new_token}")), Utc::now())
            .is_ok()
    );
}

#[test]
fn a_key_id_selects_the_one_key_that_may_have_signed() {
    let (store, auth, tenant) = setup();
    let token = issue(&*store, &auth, &tenant, true);
    let claims = jsonwebtoken::decode::<Claims>(&token, auth.keys().decoding(), &auth.validation)
        .unwrap()
        .claims;
    // A token signed with the current key and recorded like an issued one, whose header
    // names `kid`.
    let sign = |kid: Option<&str>| {
        let claims = Claims {
            jti: uuid::Uuid::new_v4().to_string(),
            ..claims.clone()
        };
        let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = kid.map(str::to_owned);
        let token =
            jsonwebtoken::encode(&header, &claims, auth.keys().encoding().unwrap()).unwrap();
        store
            .insert_token(
                &NewToken {
                    id: claims.jti.clone(),
                    tenant: tenant.clone(),
                    token_hash: token_hash(&token),
                    scopes: vec![Scope::Read],
                    description: String::new(),
                    issued_at: Utc::now(),
                    expires_at: None,
                },
                &scim_store::EventActor::Cli,
            )
            .unwrap();
        token
    };
    let now = Utc::now();
    // Tokens issued before they carried a key id still verify.
    assert!(
        auth.authenticate(Some(&format!("Bearer {}", sign(None))), now)
            .is_ok()
    );
    // A key id nobody trusts is refused, even over a good signature.
    assert_eq!(
        auth.authenticate(
            Some(&format!("Bearer {}", sign(Some("0123456789abcdef")))),
            now
        ),
        Err(AuthError::Invalid)
    );
    // Expired is still told apart from invalid.
    assert_eq!(
        auth.authenticate(Some(&format!("Bearer {token}")), now + Duration::days(2)),
        Err(AuthError::Expired)
    );
}

#[test]
fn configured_previous_secrets_are_trusted() {
    let auth = crate::config::AuthConfig {
        secret: Some("n".repeat(32)),
        previous_secrets: vec!["o".repeat(32)],
        ..crate::config::AuthConfig::default()
    };
    let keys = SigningKeys::load(&auth, std::path::Path::new("unused"), &*setup().0).unwrap();
    assert_eq!(keys.verifying_keys(None).count(), 2);
    let weak = crate::config::AuthConfig {
        previous_secrets: vec!["short".into()],
        ..auth
    };
    assert!(matches!(
        SigningKeys::load(&weak, std::path::Path::new("unused"), &*setup().0),
        Err(KeyError::WeakSecret)
    ));
}

#[test]
fn a_previous_ed25519_key_is_trusted_from_its_public_half() {
    let public = include_bytes!("../../test_data/keys/ed25519-public.pem");
    let keys = SigningKeys::hs256(&[1u8; 32]).unwrap();
    assert!(
        keys.trust_previous_secret(&[2u8; 8]).is_err(),
        "weak secrets are refused"
    );
    let private = include_bytes!("../../test_data/keys/ed25519-private.pem");
    let current = SigningKeys::ed25519(Some(private), public).unwrap();
    // The same public key re-wrapped keeps its id, so trusting it twice changes nothing.
    let rewrapped: Vec<u8> = String::from_utf8_lossy(public)
        .replace('\n', "\r\n")
        .into_bytes();
    let same = current.trust_previous_public_key(&rewrapped).unwrap();
    assert_eq!(same.verifying_keys(None).count(), 1);
    assert!(
        same.trust_previous_public_key(b"not a key").is_err(),
        "a file that is no key is refused"
    );
}

#[test]
fn revocation_reaches_a_cached_token() {
    let (store, auth, tenant) = setup();
    let token = issue(&*store, &auth, &tenant, true);
    let header = format!("Bearer {token}");
    let principal = auth.authenticate(Some(&header), Utc::now()).unwrap();
    store
        .revoke_token(&principal.token_id, &scim_store::EventActor::Cli)
        .unwrap();
    auth.poll_revocations(Utc::now() - Duration::seconds(60), Utc::now())
        .unwrap();
    assert_eq!(
        auth.authenticate(Some(&header), Utc::now()),
        Err(AuthError::Revoked)
    );
}

#[test]
fn a_check_without_the_cache_records_the_keys_use_and_a_cached_one_does_not() {
    let (store, auth, tenant) = setup();
    let token = issue(&*store, &auth, &tenant, true);
    let header = format!("Bearer {token}");
    let first = Utc::now();
    let principal = auth.authenticate(Some(&header), first).unwrap();
    let used = |store: &dyn Store| {
        store
            .token(&principal.token_id)
            .unwrap()
            .unwrap()
            .last_used_at
    };
    let recorded = used(&*store).expect("the first check records the use");
    assert_eq!(recorded.timestamp_micros(), first.timestamp_micros());
    // Within the cache period nothing is written.
    auth.authenticate(Some(&header), first + Duration::seconds(10))
        .unwrap();
    assert_eq!(used(&*store), Some(recorded));
    // Once the cache entry is stale the key is checked, and its use recorded, again.
    let later = first + Duration::seconds(61);
    auth.authenticate(Some(&header), later).unwrap();
    assert!(used(&*store).is_some_and(|at| at > recorded));
    // `token check` diagnoses; it does not use the key.
    let (store, auth, tenant) = setup();
    let token = issue(&*store, &auth, &tenant, true);
    let checked = auth.diagnose(&token, Utc::now()).unwrap();
    assert!(
        store
            .token(&checked.token_id)
            .unwrap()
            .unwrap()
            .last_used_at
            .is_none()
    );
}

#[test]
fn a_diagnosis_says_when_a_key_expired_and_whose_it_is() {
    let (_store, auth, tenant) = setup();
    let now = Utc::now();
    let sign = |iss: &str, exp: DateTime<Utc>| {
        let claims = Claims {
            iss: iss.to_owned(),
            tenant: tenant.to_string(),
            jti: "k1".to_owned(),
            scope: "read".to_owned(),
            iat: (exp - Duration::days(1)).timestamp(),
            exp: exp.timestamp(),
        };
        jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            auth.keys().encoding().unwrap(),
        )
        .unwrap()
    };
    let expired_at = DateTime::from_timestamp((now - Duration::hours(1)).timestamp(), 0).unwrap();
    assert_eq!(
        auth.diagnose(&sign("test", expired_at), now),
        Err(Refusal::Expired { at: expired_at })
    );
    assert_eq!(
        auth.diagnose(&sign("elsewhere", now + Duration::days(1)), now),
        Err(Refusal::WrongIssuer {
            found: "elsewhere".to_owned(),
            expected: "test".to_owned(),
        })
    );
}
