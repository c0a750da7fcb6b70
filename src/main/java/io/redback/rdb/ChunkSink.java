package io.redback.rdb;

import java.io.IOException;

/** Receives a long byte sequence in pieces, in order. */
interface ChunkSink {
    /** Takes b[off, off+len); the range is a view into the producer's buffer, valid only during the call. */
    void chunk(byte[] b, int off, int len) throws IOException;
}
