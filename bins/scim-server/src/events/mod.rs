//! Provisioning events on their way to the product: commit signals for readers that wait, and
//! the settings of retention and delivery.

mod signals;

pub use signals::EventSignals;
