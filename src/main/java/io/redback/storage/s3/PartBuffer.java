package io.redback.storage.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * One part of an upload, read from the caller's stream. It grows only as far as the data does
 * (a small manifest never costs a whole part), is reused for every part of an upload, and is
 * handed to the SDK without a copy as a body that can be re-read for a retry.
 */
final class PartBuffer {
    private static final int MIN_CAPACITY = 64 * 1024;

    private byte[] bytes;
    private int size;

    PartBuffer(int expected) {
        this.bytes = new byte[Math.max(expected, 0)];
    }

    /** Reads until the buffer holds max bytes or the stream ends; returns how many it holds. */
    int fill(InputStream in, int max) throws IOException {
        size = 0;
        while (size < max) {
            if (size == bytes.length) {
                bytes = Arrays.copyOf(bytes, (int) Math.min(max, Math.max(MIN_CAPACITY, 2L * bytes.length)));
            }
            int n = in.read(bytes, size, Math.min(bytes.length, max) - size);
            if (n < 0) {
                break;
            }
            size += n;
        }
        return size;
    }

    int size() {
        return size;
    }

    /** The current bytes as a request body; valid until the next fill. */
    RequestBody body() {
        byte[] b = bytes;
        int n = size;
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(b, 0, n), n, "application/octet-stream");
    }
}
