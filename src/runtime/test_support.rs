//! Components synthesized in tests (component-model WAT), shared by the runtime's unit tests.

use std::sync::Arc;

use crate::model::Component;

/// Numbers, a string echo, state, and misbehaviour: loop, recursion, memory growth, trap.
pub const BASICS: &str = r#"
(component
  (core module $m
    (memory (export "memory") 1)
    (global $count (mut i32) (i32.const 0))
    (global $heap (mut i32) (i32.const 1024))
    (func (export "add") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.add)
    (func (export "spin") (loop $l br $l))
    (func $recurse (export "recurse") (param i32) (result i32)
      local.get 0 i32.eqz
      if (result i32)
        i32.const 0
      else
        local.get 0 i32.const 1 i32.sub call $recurse i32.const 1 i32.add
      end)
    (func (export "grow") (param i32) (result i32)
      local.get 0 memory.grow)
    (func (export "boom") unreachable)
    (func (export "noop"))
    (func (export "bump") (result i32)
      global.get $count i32.const 1 i32.add global.set $count global.get $count)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $heap
      local.get 2 i32.add i32.const 1 i32.sub
      i32.const 0 local.get 2 i32.sub i32.and
      local.set $p
      local.get $p local.get 3 i32.add global.set $heap
      local.get $p)
    (func (export "echo") (param i32 i32) (result i32)
      i32.const 8 local.get 0 i32.store
      i32.const 12 local.get 1 i32.store
      i32.const 8)
  )
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" s32) (param "b" s32) (result s32)
    (canon lift (core func $i "add")))
  (func (export "spin") (canon lift (core func $i "spin")))
  (func (export "recurse") (param "n" u32) (result u32)
    (canon lift (core func $i "recurse")))
  (func (export "grow") (param "pages" u32) (result s32)
    (canon lift (core func $i "grow")))
  (func (export "boom") (canon lift (core func $i "boom")))
  (func (export "noop") (canon lift (core func $i "noop")))
  (func (export "bump") (result u32) (canon lift (core func $i "bump")))
  (func (export "echo") (param "s" string) (result string)
    (canon lift (core func $i "echo") (memory (core memory $i "memory")) (realloc (core func $i "realloc"))))
)
"#;

/// Two interfaces that both export `get`, to exercise name resolution.
pub const TWO_INTERFACES: &str = r#"
(component
  (core module $m
    (func (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
    (func (export "triple") (param i32) (result i32) local.get 0 i32.const 3 i32.mul))
  (core instance $i (instantiate $m))
  (func $double (param "k" u32) (result u32) (canon lift (core func $i "double")))
  (func $triple (param "k" u32) (result u32) (canon lift (core func $i "triple")))
  (instance $store (export "get" (func $double)))
  (instance $cache (export "get" (func $triple)) (export "peek" (func $triple)))
  (export "test:kv/store@1.0.0" (instance $store))
  (export "test:kv/cache@1.0.0" (instance $cache))
)
"#;

/// A provider of `test:kv/store@1.0.0` whose `get(k)` returns `2k` (traps for k = 13).
pub const PROVIDER: &str = r#"
(component
  (core module $m
    (func (export "get") (param i32) (result i32)
      local.get 0 i32.const 13 i32.eq
      if unreachable end
      local.get 0 i32.const 2 i32.mul))
  (core instance $i (instantiate $m))
  (func $get (param "k" u32) (result u32) (canon lift (core func $i "get")))
  (instance $store (export "get" (func $get)))
  (export "test:kv/store@1.0.0" (instance $store))
)
"#;

/// A consumer importing `test:kv/store@1.0.0`; `run(x)` returns `get(x) + get(x + 1)`.
pub const CONSUMER: &str = r#"
(component
  (import "test:kv/store@1.0.0" (instance $s
    (export "get" (func (param "k" u32) (result u32)))))
  (core func $get (canon lower (func $s "get")))
  (core module $m
    (import "host" "get" (func $get (param i32) (result i32)))
    (func (export "run") (param i32) (result i32)
      local.get 0 call $get
      local.get 0 i32.const 1 i32.add call $get
      i32.add))
  (core instance $i (instantiate $m (with "host" (instance (export "get" (func $get))))))
  (func (export "run") (param "x" u32) (result u32) (canon lift (core func $i "run")))
)
"#;

/// Decodes WAT into a model component named `name`.
pub fn component(name: &str, wat: &str) -> Arc<Component> {
    let bytes = wat::parse_str(wat).expect("test WAT parses");
    Arc::new(Component::from_bytes(name, bytes).expect("test component decodes"))
}
