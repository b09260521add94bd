//! The seed's `neon:kv-store` component: an in-memory map that lives as long as the instance.

wit_bindgen::generate!({
    path: "../../wit/kv-store",
    world: "neon:kv-store/component-world@1.0.0",
});

use std::cell::RefCell;
use std::collections::BTreeMap;

use exports::neon::kv_store::store::Guest;

/// Key that is present in every fresh instance.
const ACCESS_CODE_KEY: &str = "access_code";
/// Value stored under [`ACCESS_CODE_KEY`] in every fresh instance.
const ACCESS_CODE: &str = "cyber_punk_2077";
/// Longest accepted key, in bytes.
const MAX_KEY_BYTES: usize = 256;
/// Longest accepted value, in bytes.
const MAX_VALUE_BYTES: usize = 64 * 1024;

thread_local! {
    // A component instance is single-threaded, so a thread-local is the whole instance's state.
    // BTreeMap rather than HashMap: no random hash seed, so no `wasi:random` import.
    static GRID: RefCell<BTreeMap<String, String>> =
        RefCell::new(BTreeMap::from([(ACCESS_CODE_KEY.to_string(), ACCESS_CODE.to_string())]));
}

struct KvStore;

fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("key must not be empty".to_string());
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(format!(
            "key is {} bytes long; the limit is {MAX_KEY_BYTES} bytes",
            key.len()
        ));
    }
    Ok(())
}

impl Guest for KvStore {
    fn get(key: String) -> Result<Option<String>, String> {
        check_key(&key)?;
        Ok(GRID.with(|grid| grid.borrow().get(&key).cloned()))
    }

    fn set(key: String, value: String) -> Result<(), String> {
        check_key(&key)?;
        if value.len() > MAX_VALUE_BYTES {
            return Err(format!(
                "value for key `{key}` is {} bytes long; the limit is {MAX_VALUE_BYTES} bytes",
                value.len()
            ));
        }
        GRID.with(|grid| grid.borrow_mut().insert(key, value));
        Ok(())
    }
}

export!(KvStore);
