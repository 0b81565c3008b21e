//! What keeps an object alive, in the program's source terms: the nearest holder on its retainer
//! path that the program's code names (a module's variable, an export, an emitter's listeners, a
//! timer, a promise that never settles), found from the snapshot's edges and nodes.

use std::fmt;

use crate::{
    classes::devtools_class_name,
    modules::{commonjs_file, es_module_url, export_name},
    program_terms::program_terms,
    retainers::{NodePath, RetainerPath, Retainers},
    scripts::{constructor_of, edge_named, function_origin, script_url, target_named, ScriptOrigin},
    snapshot::{EdgeKind, EdgeLabel, HeapSnapshot, NodeKind},
    source_places::SourcePlaces,
};

/// The nearest holder of an object that the program's source names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A variable at the top level of a module, found in the context of the module's functions.
    ModuleVariable {
        /// The variable's name.
        name: String,
        /// The class of the value it holds.
        class: String,
        /// The module's file.
        file: String,
    },
    /// A property of the global object.
    Global {
        /// The property's name.
        name: String,
        /// The class of its value.
        class: String,
    },
    /// A variable of a function, kept by a closure made in a call of it.
    FunctionVariable {
        /// The variable's name.
        name: String,
        /// The class of the value it holds.
        class: String,
        /// The function's name.
        function: String,
        /// Where the function is defined.
        place: String,
    },
    /// A property of a CommonJS module's `exports`, or an ES module's export.
    Export {
        /// The exported name.
        name: String,
        /// The class of the exported value.
        class: String,
        /// The module's file.
        file: String,
        /// Whether it is an ES module's export rather than a property of `exports`.
        es_module: bool,
    },
    /// The listeners of an EventEmitter's event.
    Listeners {
        /// The variable or property that holds the emitter, when the path shows one.
        emitter: Option<String>,
        /// The event's name.
        event: String,
        /// How many listeners the event has.
        count: usize,
    },
    /// A timer in Node's timer list.
    Timer {
        /// An interval (it repeats) rather than a timeout.
        repeats: bool,
        /// Where its callback is defined: the snapshot does not record where the timer was made.
        callback: String,
    },
    /// A module's variable, export or global that holds, further up, a closure whose function's
    /// variable holds the object: the long-lived holder a program lets go of, and the variable.
    Through {
        /// The module-level holder.
        outer: Box<Holder>,
        /// The function's variable (a [`Holder::FunctionVariable`]).
        variable: Box<Holder>,
    },
    /// A promise that has not settled, whose reactions hold the object.
    Promise {
        /// The async function suspended on it, and where that function is defined.
        awaited_in: Option<(String, String)>,
        /// Where the reaction holding the object is defined, when no async function awaits.
        reaction: Option<String>,
    },
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Holder::ModuleVariable { name, class, file } => write!(f, "`{name}` ({class}) in {file}"),
            Holder::Global { name, class } => write!(f, "globalThis.{name} ({class})"),
            Holder::FunctionVariable { name, class, function, place } => {
                write!(f, "`{name}` ({class}) in {function}() at {place}")
            }
            Holder::Export { name, class, file, es_module: false } => write!(f, "exports.{name} ({class}) of {file}"),
            Holder::Export { name, class, file, es_module: true } => write!(f, "export {name} ({class}) of {file}"),
            Holder::Listeners { emitter, event, count } => {
                let emitter = emitter.as_ref().map_or_else(|| "an EventEmitter".to_string(), |name| format!("`{name}`"));
                let noun = if *count == 1 { "listener" } else { "listeners" };
                write!(f, "{emitter}.on('{event}'), {} {noun}", thousands(*count))
            }
            Holder::Timer { repeats, callback } => {
                let (kind, state) = if *repeats { ("an interval", "never cleared") } else { ("a timeout", "not yet run") };
                write!(f, "{kind} {state}, whose callback is the function at {callback} (where the timer was started is not in a snapshot)")
            }
            Holder::Promise { awaited_in: Some((function, place)), .. } => {
                write!(f, "a promise never settled, awaited in {function}() at {place}")
            }
            Holder::Promise { reaction: Some(place), .. } => {
                write!(f, "a promise never settled, whose reaction is the function at {place}")
            }
            Holder::Promise { .. } => write!(f, "a promise never settled"),
            Holder::Through { outer, variable } => write!(f, "{outer}, through {variable}"),
        }
    }
}

/// `n` with a comma between thousands: `1,204`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Why one object is alive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectExplanation {
    /// A shortest retainer path, one through the program's code when there is one.
    pub path: RetainerPath,
    /// That path in the program's terms, starting at the module it leads to.
    pub program_path: String,
    /// The nearest holder on that path that the program's source names.
    pub held_by: Option<Holder>,
}

/// Explains node `ordinal`: picks, among its shortest retainer paths, one through the program's
/// code, tells it in the program's terms and names its nearest holder. `None` when only weak
/// references hold the object, or the path search ran out of budget.
pub fn explain_object(
    snapshot: &HeapSnapshot,
    retainers: &Retainers,
    places: &SourcePlaces,
    ordinal: u32,
) -> Option<ObjectExplanation> {
    let path = retainers.path_preferring(snapshot, ordinal, |node| is_programs(snapshot, retainers, node))?;
    Some(ObjectExplanation {
        path: path.retainer_path(snapshot),
        program_path: program_terms(snapshot, retainers, places, &path),
        held_by: holder_on(snapshot, retainers, places, &path),
    })
}

/// Whether `node` belongs to the program: a function of its scripts, the context of one, an
/// object of one of its classes, or one of its modules (CommonJS or ES).
fn is_programs(snapshot: &HeapSnapshot, retainers: &Retainers, node: u32) -> bool {
    match snapshot.node_kind(node) {
        NodeKind::Closure => function_origin(snapshot, node) == ScriptOrigin::Program,
        NodeKind::Object if is_context(snapshot, node) => {
            closures_of_context(snapshot, retainers, node).any(|c| function_origin(snapshot, c) == ScriptOrigin::Program)
        }
        NodeKind::Object => {
            commonjs_file(snapshot, node).is_some()
                || constructor_of(snapshot, node).is_some_and(|c| function_origin(snapshot, c) == ScriptOrigin::Program)
        }
        NodeKind::Hidden => es_module_url(snapshot, retainers, node).is_some_and(|url| ScriptOrigin::of_url(url) == ScriptOrigin::Program),
        _ => false,
    }
}

/// Whether `node` is a function context: it has a scope and an enclosing context.
fn is_context(snapshot: &HeapSnapshot, node: u32) -> bool {
    edge_named(snapshot, node, "scope_info").is_some() && edge_named(snapshot, node, "previous").is_some()
}

/// The closures whose context is `context`.
fn closures_of_context<'a>(
    snapshot: &'a HeapSnapshot,
    retainers: &'a Retainers,
    context: u32,
) -> impl Iterator<Item = u32> + 'a {
    retainers
        .retainers_of(snapshot, context)
        .filter(move |&(from, edge)| {
            snapshot.node_kind(from) == NodeKind::Closure && snapshot.edge_label(edge) == EdgeLabel::Name("context")
        })
        .map(|(from, _)| from)
}

/// The nearest holder on `path`, walking from the target up. A function's variable is the answer
/// only when nothing else holds that function further up: under an emitter, timer or promise the
/// variable belongs to a callback, and what holds the callback is what the program must let go;
/// under a module's variable, export or global (a module-level array of closures), that holder
/// is named first and the variable after it.
fn holder_on(snapshot: &HeapSnapshot, retainers: &Retainers, places: &SourcePlaces, path: &NodePath) -> Option<Holder> {
    // A timer itself is held by Node's timer list: what names it is its callback.
    if let Some(holder) = timer(snapshot, places, *path.nodes.last()?) {
        return Some(holder);
    }
    let mut function_variable = None;
    for i in (0..path.edges.len()).rev() {
        let Some(holder) = holder_at(snapshot, retainers, places, path, i) else { continue };
        match holder {
            Holder::FunctionVariable { .. } => {
                function_variable.get_or_insert(holder);
            }
            Holder::ModuleVariable { .. } | Holder::Export { .. } | Holder::Global { .. } => {
                return Some(match function_variable {
                    Some(variable) => Holder::Through { outer: Box::new(holder), variable: Box::new(variable) },
                    None => holder,
                });
            }
            _ => return Some(holder),
        }
    }
    function_variable
}

/// `name` (edge `i` of `path`) followed by the properties the path goes on through, while they
/// lead from one plain object to a property of it (`config.cache.entries`), and the node the last
/// one holds: the container a program reaches by that name.
fn property_chain(snapshot: &HeapSnapshot, path: &NodePath, i: usize, name: &str) -> (String, u32) {
    let mut chain = name.to_string();
    let mut j = i + 1;
    while j < path.edges.len() && snapshot.node_kind(path.nodes[j]) == NodeKind::Object {
        let edge = path.edges[j];
        let EdgeLabel::Name(property) = snapshot.edge_label(edge) else { break };
        if snapshot.edge_kind(edge) != EdgeKind::Property || property.starts_with('_') || property == "__proto__" {
            break;
        }
        // Only a plain object's properties: a Map's or an Array's own fields are not its entries.
        if devtools_class_name(snapshot, path.nodes[j]) != "Object" {
            break;
        }
        chain.push('.');
        chain.push_str(property);
        j += 1;
    }
    (chain, path.nodes[j])
}

/// The holder that edge `i` of `path` (from `nodes[i]` to `nodes[i + 1]`) makes, if any.
fn holder_at(
    snapshot: &HeapSnapshot,
    retainers: &Retainers,
    places: &SourcePlaces,
    path: &NodePath,
    i: usize,
) -> Option<Holder> {
    let (node, edge, next) = (path.nodes[i], path.edges[i], path.nodes[i + 1]);
    let class = || devtools_class_name(snapshot, next).to_string();
    let EdgeLabel::Name(name) = snapshot.edge_label(edge) else { return None };
    match snapshot.edge_kind(edge) {
        EdgeKind::Context => context_variable(snapshot, retainers, places, node, name, class()),
        // The event's edge must follow: the `_events` object itself is no one listener's.
        EdgeKind::Property if name == "_events" && i + 1 < path.edges.len() => Some(listeners(snapshot, path, i)),
        EdgeKind::Property if name == "_onTimeout" => timer(snapshot, places, node),
        EdgeKind::Property if i > 0 && is_exports_of_module(snapshot, path, i) => {
            let (name, held) = property_chain(snapshot, path, i, name);
            Some(Holder::Export {
                name,
                class: devtools_class_name(snapshot, held).to_string(),
                file: places.place(commonjs_file(snapshot, path.nodes[i - 1])?, None),
                es_module: false,
            })
        }
        // A path starts at a global object when a user root holds the object.
        // Node's own functions on the global object (`queueMicrotask`) only lead to its internals.
        EdgeKind::Property | EdgeKind::Shortcut
            if i == 0
                && snapshot.node_kind(node) == NodeKind::Object
                && (snapshot.node_kind(next) != NodeKind::Closure
                    || function_origin(snapshot, next) == ScriptOrigin::Program) =>
        {
            let (name, held) = property_chain(snapshot, path, i, name);
            Some(Holder::Global { name, class: devtools_class_name(snapshot, held).to_string() })
        }
        EdgeKind::Internal if name == "value" && i >= 2 => es_export(snapshot, retainers, places, path, i, class()),
        EdgeKind::Internal if name == "reactions_or_result" => Some(pending_promise(snapshot, places, path, i)),
        _ => None,
    }
}

/// The holder that a context's variable `name` is: a module's variable when the context is the
/// top-level scope of a module of the program, a function's variable otherwise. Node's own
/// modules' variables are not the program's: `None`.
fn context_variable(
    snapshot: &HeapSnapshot,
    retainers: &Retainers,
    places: &SourcePlaces,
    context: u32,
    name: &str,
    class: String,
) -> Option<Holder> {
    let closure = closures_of_context(snapshot, retainers, context).next();
    let url = closure.and_then(|c| script_url(snapshot, c));
    if url.is_some_and(|url| ScriptOrigin::of_url(url) != ScriptOrigin::Program) {
        return None;
    }
    // A module's top-level context encloses no other function's: its `previous` is the global
    // context, which has no `previous` of its own.
    let enclosing = target_named(snapshot, context, "previous")?;
    if target_named(snapshot, enclosing, "previous").is_none() {
        return Some(Holder::ModuleVariable { name: name.to_string(), class, file: places.place(url?, None) });
    }
    let (function, place) = scope_function(snapshot, retainers, places, context)
        .or_else(|| Some(("(anonymous)".to_string(), places.place(url?, None))))?;
    Some(Holder::FunctionVariable { name: name.to_string(), class, function, place })
}

/// The function whose call made `context`, and where it is defined: the function whose shared
/// info names the context's scope.
fn scope_function(
    snapshot: &HeapSnapshot,
    retainers: &Retainers,
    places: &SourcePlaces,
    context: u32,
) -> Option<(String, String)> {
    let scope = target_named(snapshot, context, "scope_info")?;
    let (shared, _) = retainers
        .retainers_of(snapshot, scope)
        .find(|&(_, edge)| snapshot.edge_label(edge) == EdgeLabel::Name("name_or_scope_info"))?;
    let closure = retainers
        .retainers_of(snapshot, shared)
        .find(|&(from, edge)| {
            snapshot.node_kind(from) == NodeKind::Closure && snapshot.edge_label(edge) == EdgeLabel::Name("shared")
        })
        .map(|(from, _)| from)?;
    Some((function_name(snapshot, closure), function_place(snapshot, places, closure)?))
}

/// A function's name, `(anonymous)` when it has none.
fn function_name(snapshot: &HeapSnapshot, closure: u32) -> String {
    match snapshot.node_name(closure) {
        "" => "(anonymous)".to_string(),
        name => name.to_string(),
    }
}

/// Where `closure` is defined: its script's file and, when V8 recorded it, line and column.
fn function_place(snapshot: &HeapSnapshot, places: &SourcePlaces, closure: u32) -> Option<String> {
    Some(places.place(script_url(snapshot, closure)?, snapshot.location(closure)))
}

/// The listeners holder at edge `i` of `path`, an emitter's `_events`: the next edge names the
/// event; its value is one listener or an array of them.
fn listeners(snapshot: &HeapSnapshot, path: &NodePath, i: usize) -> Holder {
    let event = path.edges.get(i + 1).map_or_else(String::new, |&e| snapshot.edge_label(e).to_string());
    let count = match path.nodes.get(i + 2) {
        Some(&value) if snapshot.node_kind(value) == NodeKind::Closure => 1,
        Some(&value) => snapshot.edges_of(value).filter(|&e| snapshot.edge_kind(e) == EdgeKind::Element).count(),
        None => 0,
    };
    let emitter = i
        .checked_sub(1)
        .map(|above| path.edges[above])
        .filter(|&e| matches!(snapshot.edge_kind(e), EdgeKind::Context | EdgeKind::Property))
        .map(|e| snapshot.edge_label(e).to_string());
    Holder::Listeners { emitter, event, count }
}

/// The timer holder that `timeout` is, when it is one of Node's timers: its `_onTimeout` is the
/// callback.
fn timer(snapshot: &HeapSnapshot, places: &SourcePlaces, timeout: u32) -> Option<Holder> {
    let callback = target_named(snapshot, timeout, "_onTimeout").filter(|&c| snapshot.node_kind(c) == NodeKind::Closure)?;
    Some(Holder::Timer { repeats: repeats(snapshot, timeout), callback: function_place(snapshot, places, callback)? })
}

/// Whether a Timeout repeats: Node stores an interval's period in `_repeat` (a small integer,
/// which a snapshot leaves out, or a number) and `null` for a timeout.
fn repeats(snapshot: &HeapSnapshot, timeout: u32) -> bool {
    target_named(snapshot, timeout, "_repeat").is_none_or(|r| snapshot.node_kind(r) == NodeKind::Number)
}

/// Whether `nodes[i]` is the `exports` object of the CommonJS module before it on the path.
fn is_exports_of_module(snapshot: &HeapSnapshot, path: &NodePath, i: usize) -> bool {
    snapshot.edge_label(path.edges[i - 1]) == EdgeLabel::Name("exports") && commonjs_file(snapshot, path.nodes[i - 1]).is_some()
}

/// The export holder at edge `i` of `path` (a binding's cell → its value), when the two steps
/// before it are an ES module record and its export table.
fn es_export(
    snapshot: &HeapSnapshot,
    retainers: &Retainers,
    places: &SourcePlaces,
    path: &NodePath,
    i: usize,
    class: String,
) -> Option<Holder> {
    let url = es_module_url(snapshot, retainers, path.nodes[i - 2])?;
    let name = export_name(snapshot, path.nodes[i - 1], path.edges[i - 1])?;
    Some(Holder::Export { name: name.to_string(), class, file: places.place(url, None), es_module: true })
}

/// The promise holder at edge `i` of `path` (a promise → its reactions): the async function
/// suspended below it on the path, or else the reaction function the path goes through.
fn pending_promise(snapshot: &HeapSnapshot, places: &SourcePlaces, path: &NodePath, i: usize) -> Holder {
    let below = &path.nodes[i + 1..];
    // A suspended async function's object holds the function and its registers.
    let awaited_in = below.iter().find_map(|&node| {
        edge_named(snapshot, node, "parameters_and_registers")?;
        let function = target_named(snapshot, node, "function")?;
        Some((function_name(snapshot, function), function_place(snapshot, places, function)?))
    });
    let reaction = below
        .iter()
        .find(|&&node| snapshot.node_kind(node) == NodeKind::Closure)
        .and_then(|&closure| function_place(snapshot, places, closure));
    Holder::Promise { awaited_in, reaction }
}
