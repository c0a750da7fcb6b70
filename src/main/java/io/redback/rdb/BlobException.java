package io.redback.rdb;

/**
 * A structural problem inside an embedded blob (listpack, ziplist, intset, zipmap, LZF data).
 * The position is relative to the start of the blob; the RDB reader turns it into a file offset.
 */
final class BlobException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int position;

    BlobException(int position, String message) {
        super(message, null, false, false);
        this.position = position;
    }

    int position() {
        return position;
    }
}
