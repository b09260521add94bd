//! `wac plug` semantics: the plugs' exports satisfy matching imports of the socket, and of
//! plugs that are themselves used (chains); every plug must be used, every match unambiguous.

use std::collections::VecDeque;

use super::error::PlugSetError;
use crate::model::{Component, Kind};
use crate::workspace::{matching_export, port_names, ExportChoice, Plug, Workspace};

/// Builds the workspace `wirebench plug SOCKET --plug P...` composes; returns it with the
/// socket's id. The socket's exports become the composition's exports.
pub fn plug_workspace(
    socket: Component,
    plugs: Vec<Component>,
) -> Result<(Workspace, String), PlugSetError> {
    if socket.kind == Kind::CoreModule {
        return Err(PlugSetError::CoreModule {
            role: "socket",
            name: socket.name,
        });
    }
    if let Some(p) = plugs.iter().find(|p| p.kind == Kind::CoreModule) {
        return Err(PlugSetError::CoreModule {
            role: "plug",
            name: p.name.clone(),
        });
    }
    let mut ws = Workspace::new();
    let socket_id = ws.add_component(socket);
    let plug_ids: Vec<String> = plugs.into_iter().map(|p| ws.add_component(p)).collect();

    // Breadth-first from the socket: each consumer's imports are matched against the plugs.
    let mut queue = VecDeque::from([socket_id.clone()]);
    let mut visited = vec![socket_id.clone()];
    while let Some(consumer) = queue.pop_front() {
        let imports: Vec<String> = port_names(&ws.components[&consumer].imports)
            .map(str::to_string)
            .collect();
        for import in imports {
            let matches: Vec<(String, String)> = plug_ids
                .iter()
                .filter(|id| **id != consumer)
                .filter_map(|id| {
                    matching_export(&ws.components[id], &import).map(|e| (id.clone(), e))
                })
                .collect();
            let (provider, export) = match matches.as_slice() {
                [] => continue,
                [one] => one.clone(),
                many => {
                    return Err(PlugSetError::Ambiguous {
                        consumer,
                        import,
                        providers: many.iter().map(|(p, _)| p.clone()).collect(),
                    })
                }
            };
            let plug = Plug {
                consumer: consumer.clone(),
                import,
                provider: provider.clone(),
                export,
            };
            ws.check_plug(&plug)?;
            if let Some(path) = ws.cycle_through(&plug) {
                return Err(PlugSetError::Cycle { path });
            }
            ws.plugs.push(plug);
            if !visited.contains(&provider) {
                visited.push(provider.clone());
                queue.push_back(provider);
            }
        }
    }
    if ws.plugs.iter().all(|p| p.consumer != socket_id) {
        return Err(PlugSetError::NoPlugHappened {
            socket: socket_id.clone(),
            imports: port_names(&ws.components[&socket_id].imports)
                .map(str::to_string)
                .collect(),
        });
    }
    if let Some(unused) = plug_ids.iter().find(|id| !visited.contains(id)) {
        return Err(PlugSetError::UnusedPlug {
            plug: unused.clone(),
            socket: socket_id.clone(),
            exports: port_names(&ws.components[unused].exports)
                .map(str::to_string)
                .collect(),
        });
    }
    ws.exports = port_names(&ws.components[&socket_id].exports)
        .map(|e| ExportChoice {
            component: socket_id.clone(),
            export: e.to_string(),
            rename: None,
        })
        .collect();
    Ok((ws, socket_id))
}
