package io.redback.storage;

/**
 * The rules every {@link Storage} backend applies to keys, so that a key valid on one backend is
 * valid on all: non-empty '/'-separated segments, no "." or ".." segment, no backslash or control
 * character, at most 1024 bytes, and no segment containing {@value #TEMPORARY_MARK} (the file
 * backend's temporaries carry that mark, and listings skip them).
 */
public final class StorageKeys {
    /** Marks the file backend's in-flight temporaries; no key may contain it. */
    public static final String TEMPORARY_MARK = io.redback.files.NewFile.TEMPORARY_MARK;

    private static final int MAX_KEY_BYTES = 1024;

    private StorageKeys() {
    }

    /** Returns key if it is a valid object key, else throws IllegalArgumentException saying why. */
    public static String requireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("an object key must not be empty");
        }
        if (key.endsWith("/")) {
            throw invalid(key, "it ends with '/' (that names a folder, not an object)");
        }
        return requirePrefix(key);
    }

    /**
     * Returns prefix if it can start keys (the empty prefix included; it may stop mid-segment,
     * like {@code sources/ca}), else throws IllegalArgumentException.
     */
    public static String requirePrefix(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("a key prefix must not be null (use \"\" for all keys)");
        }
        if (prefix.startsWith("/")) {
            throw invalid(prefix, "it starts with '/' (keys are relative to the repository)");
        }
        if (prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw invalid(prefix, "it is longer than " + MAX_KEY_BYTES + " bytes");
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw invalid(prefix, "it contains a control character or a backslash at index " + i);
            }
        }
        String[] segments = prefix.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (s.isEmpty() && !last) {
                throw invalid(prefix, "it has an empty segment ('//' or a leading '/')");
            }
            if ((s.equals(".") || s.equals("..")) && !last) {
                throw invalid(prefix, "it has a '" + s + "' segment");
            }
            if (s.contains(TEMPORARY_MARK)) {
                throw invalid(prefix, "segment '" + s + "' contains '" + TEMPORARY_MARK + "', reserved for temporaries");
            }
        }
        String lastSegment = segments[segments.length - 1];
        if (lastSegment.equals(".") || lastSegment.equals("..")) {
            throw invalid(prefix, "it has a '" + lastSegment + "' segment");
        }
        return prefix;
    }

    private static IllegalArgumentException invalid(String key, String why) {
        return new IllegalArgumentException("invalid object key '" + key + "': " + why);
    }
}
