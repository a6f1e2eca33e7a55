//! What the service enforces and advertises.

use scim_core::schema::{
    AuthenticationScheme, BulkSupport, FilterSupport, Pagination, PaginationMethod, SecurityEvents,
    ServiceProviderConfig,
};
use scim_store::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// Bulk request limits, advertised in `/ServiceProviderConfig` and enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkLimits {
    /// The most operations one Bulk request may carry.
    pub max_operations: usize,
    /// The largest Bulk request body, in bytes (the adapter reads no more).
    pub max_payload_bytes: usize,
}

impl Default for BulkLimits {
    fn default() -> Self {
        Self {
            max_operations: 1000,
            max_payload_bytes: 1024 * 1024,
        }
    }
}

/// The service's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Bulk limits.
    pub bulk: BulkLimits,
    /// The largest body of any other request, in bytes (the adapter reads no more).
    pub max_body_bytes: usize,
    /// The most members a group PATCH answers with: a larger group's PATCH answers 204 No
    /// Content, so that changing a few members of a huge group stays as cheap as the change.
    pub patch_response_max_members: u32,
    /// The Security Event Tokens the application delivers (RFC 9967 §4), advertised as
    /// `securityEvents`; `None` (the default) leaves the block out: the service itself delivers
    /// nothing.
    pub security_events: Option<SecurityEvents>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bulk: BulkLimits::default(),
            max_body_bytes: 1024 * 1024,
            patch_response_max_members: 1000,
            security_events: None,
        }
    }
}

impl Settings {
    /// What this service supports, as `/ServiceProviderConfig` advertises it.
    ///
    /// Every value is what the service really does: the bulk limits are the ones the Bulk
    /// endpoint enforces, `maxResults` is the store's largest page, both pagination methods of
    /// RFC 9865 are offered, index pagination by default, and `securityEvents` is what the
    /// settings say the application delivers.
    ///
    /// ```
    /// use scim_service::Settings;
    /// let spc = Settings::default().service_provider_config();
    /// assert!(spc.patch && spc.etag);
    /// ```
    pub fn service_provider_config(&self) -> ServiceProviderConfig {
        let page = |n: u64| Some(u32::try_from(n).unwrap_or(u32::MAX));
        let mut spc = ServiceProviderConfig::new(vec![AuthenticationScheme::oauth_bearer_token()]);
        spc.patch = true;
        spc.bulk = BulkSupport::Supported {
            max_operations: u32::try_from(self.bulk.max_operations).unwrap_or(u32::MAX),
            max_payload_size: u64::try_from(self.bulk.max_payload_bytes).unwrap_or(u64::MAX),
        };
        spc.filter = FilterSupport::Supported {
            max_results: u32::try_from(MAX_PAGE_SIZE).unwrap_or(u32::MAX),
        };
        spc.change_password = false;
        spc.sort = true;
        spc.etag = true;
        spc.pagination = Some(Pagination {
            default_pagination_method: Some(PaginationMethod::Index),
            default_page_size: page(DEFAULT_PAGE_SIZE),
            max_page_size: page(MAX_PAGE_SIZE),
            ..Pagination::new(true, true)
        });
        spc.security_events = self.security_events.clone();
        spc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_advertises_the_enforced_limits() {
        let settings = Settings {
            bulk: BulkLimits {
                max_operations: 7,
                max_payload_bytes: 4096,
            },
            ..Settings::default()
        };
        let spc = settings.service_provider_config();
        assert_eq!(
            spc.bulk,
            BulkSupport::Supported {
                max_operations: 7,
                max_payload_size: 4096
            }
        );
        assert!(spc.patch && spc.sort && spc.etag && !spc.change_password);
        let pagination = spc.pagination.unwrap();
        assert!(pagination.cursor && pagination.index);
        assert_eq!(pagination.default_page_size, Some(100));
        assert_eq!(
            spc.security_events, None,
            "nothing is delivered unless the settings say so"
        );
    }
}
