package io.redback.rdb;

/**
 * Receives the entries of an embedded blob one at a time, in order. The byte ranges are views
 * into the blob's buffer, valid only during the call.
 */
interface EntrySink {
    void string(byte[] buf, int off, int len);

    void integer(long value);
}
