package io.redback.restore;

import io.redback.rdb.Element;
import io.redback.rdb.RdbHeader;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbVisitor;

/**
 * A live restore's passes as one cluster node's run sees them ({@link LiveRestore.Route}): keys
 * this run does not write are not passed on (another run writes and counts them), and a selected
 * key of a database other than 0 stops the restore (a cluster has only database 0).
 */
final class OwnedKeys implements RdbVisitor {
    private final RdbVisitor v;
    private final LiveRestore.Route route;
    private final KeyFilter filter;
    private final KeyFilter.Matcher matcher;
    private boolean skipping;

    OwnedKeys(RdbVisitor v, LiveRestore.Route route, KeyFilter filter) {
        this.v = v;
        this.route = route;
        this.filter = filter;
        this.matcher = filter.matcher();
    }

    @Override
    public boolean wantsValues() {
        return v.wantsValues();
    }

    @Override
    public void header(RdbHeader header) {
        v.header(header);
    }

    @Override
    public void function(byte[] code) {
        v.function(code);
    }

    @Override
    public void startKey(RdbKey key) {
        int db = filter.targetDb(key.db());
        if (db != 0 && matcher.accepts(key)) {
            throw new Pipeline.StopRestore("a cluster has only database 0, and the source holds keys of database "
                    + key.db() + " (e.g. " + key.printableName() + "): --db-map " + key.db() + ":0 writes them into "
                    + "it, --db 0 leaves them out");
        }
        skipping = !route.owns(key.name());
        if (!skipping) {
            v.startKey(key);
        }
    }

    @Override
    public RawValueSink rawValue(RdbKey key) {
        return skipping ? null : v.rawValue(key);
    }

    @Override
    public void element(Element element) {
        if (!skipping) {
            v.element(element);
        }
    }

    @Override
    public void endKey(RdbKey key, long elements, long valueBytes) {
        if (!skipping) {
            v.endKey(key, elements, valueBytes);
        }
    }
}
