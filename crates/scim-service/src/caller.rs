//! Who a request acts for: established by the adapter (a SCIM key, a session, anything), never
//! by the service.

use scim_core::ScimError;
use scim_store::{Actor, TenantId};

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The tenant every store call of the request is made for.
    pub tenant: TenantId,
    /// The id of the credential, recorded as the actor of the changes it makes.
    pub token_id: Option<String>,
    /// Whether it may create, change and delete, or only read.
    pub may_write: bool,
}

impl Caller {
    /// A caller of `tenant` that may read and write.
    ///
    /// ```
    /// use scim_service::Caller;
    /// use scim_store::TenantId;
    /// let caller = Caller::new(TenantId::new("acme").unwrap()).with_token("okta-key-1");
    /// assert!(caller.may_write);
    /// ```
    pub fn new(tenant: TenantId) -> Self {
        Self {
            tenant,
            token_id: None,
            may_write: true,
        }
    }

    /// The same caller, identified by its credential's id.
    #[must_use]
    pub fn with_token(mut self, token_id: impl Into<String>) -> Self {
        self.token_id = Some(token_id.into());
        self
    }

    /// The same caller, allowed to read only.
    #[must_use]
    pub fn read_only(mut self) -> Self {
        self.may_write = false;
        self
    }

    /// Fails with 403 unless the caller may write.
    pub(crate) fn require_write(&self) -> Result<(), ScimError> {
        if self.may_write {
            Ok(())
        } else {
            Err(ScimError::with_status(403, "this SCIM key is read-only"))
        }
    }

    /// The store's actor for this caller's changes.
    pub(crate) fn actor(&self) -> Actor<'_> {
        let actor = Actor::tenant(&self.tenant);
        match &self.token_id {
            Some(id) => actor.with_token(id),
            None => actor,
        }
    }
}
