//! Store failures as SCIM errors, logged where an operator needs to see them.

use scim_core::ScimError;
use scim_store::StoreError;

/// The SCIM error a store failure answers with; database failures are logged here (their wire
/// detail carries nothing of the database), unavailability at a lower level.
pub(crate) fn scim_error(err: StoreError) -> ScimError {
    match &err {
        StoreError::Database(_) | StoreError::Corrupt(_) | StoreError::Migration(_) => {
            tracing::error!(error = %err, "store failure");
        }
        StoreError::Unavailable(_) | StoreError::Transient(_) => {
            tracing::warn!(error = %err, "store unavailable");
        }
        _ => {}
    }
    err.into()
}
