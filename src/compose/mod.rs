//! Bridge to wac-graph: workspace plugs → `CompositionGraph` → validated component bytes, the
//! `wac plug` semantics of `wirebench plug`, and `.wac` read (wac-parser) and write.
//!
//! Packages named by a `.wac` are resolved from local files only (no registry, no network).

mod encode;
mod error;
mod plug;
mod wac_read;
mod wac_resolve;
mod wac_write;

pub use encode::{encode_workspace, encode_workspace_once, EncodeOptions};
pub use error::{ComposeError, PlugSetError, WacError};
pub use plug::plug_workspace;
pub use wac_read::{load_wac, read_wac_into};
pub use wac_resolve::{compose_wac, Deps};
pub use wac_write::{default_package_name, package_names, to_wac, to_wac_in, wac_label};
