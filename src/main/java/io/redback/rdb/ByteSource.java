package io.redback.rdb;

import java.io.IOException;

/** A pull source of bytes, like {@link java.io.InputStream#read(byte[], int, int)}. */
interface ByteSource {
    /**
     * Reads up to len bytes into b at off, blocking until at least one is available.
     *
     * @return the number of bytes read (at least 1 when len > 0), or -1 at the end of the input
     */
    int read(byte[] b, int off, int len) throws IOException;
}
