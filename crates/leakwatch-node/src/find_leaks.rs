//! Three-snapshot leak finding for JS: `memwatch.findLeaks()`'s last step.

use leakwatch_core::{find_leaks as find, Analysis, OwnObjects, ScriptOrigins};
use napi::{Error, Result};
use napi_derive::napi;

use crate::{
    census::{wait, HeapCensus},
    malloc,
    panics::catching_panics,
    snapshot_parser::SnapshotParser,
};

/// Ends `last`'s snapshot and finds the objects allocated between the `baseline` and `target`
/// censuses that it still holds, grouped by class and retainer-path shape (core's `find_leaks`),
/// leaving out what leakwatch itself holds. Blocks the JS thread; returns the groups as JSON text.
#[napi]
pub fn find_leaks(baseline: &HeapCensus, target: &HeapCensus, last: &mut SnapshotParser) -> Result<String> {
    let own_scripts = last.own_scripts();
    let parser = last.take()?;
    catching_panics("finding leaks", || {
        let json = {
            let baseline = wait(&baseline.state).map_err(Error::from_reason)?;
            let target = wait(&target.state).map_err(Error::from_reason)?;
            let snapshot =
                parser.finish().map_err(|err| Error::from_reason(format!("the heap snapshot is not valid: {err}")))?;
            let analysis = Analysis::new(&snapshot);
            let own = OwnObjects::find(&snapshot, &ScriptOrigins::of(&snapshot, &own_scripts));
            let found = find(&baseline, &target, &snapshot, &analysis, own.as_ref());
            serde_json::to_string(&found).map_err(|err| Error::from_reason(format!("leakwatch: cannot encode the groups: {err}")))?
        };
        // The graph just dropped stays mapped in this thread's arena unless handed back.
        malloc::trim();
        Ok(json)
    })
}

