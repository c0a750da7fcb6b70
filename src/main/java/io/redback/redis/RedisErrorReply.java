package io.redback.redis;

/**
 * An error reply from a Redis server ("-ERR ...", "-WRONGTYPE ...", "-LOADING ..."): the
 * command reached the server and the server refused it. The message is the server's text,
 * unchanged; {@link #code()} is its first word, which is what callers branch on. Unchecked
 * because it is an answer, not a broken connection: the connection stays usable.
 */
public final class RedisErrorReply extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RedisErrorReply(String serverMessage) {
        super(serverMessage);
    }

    /** The error code: the message's first word ("ERR", "WRONGTYPE", "NOAUTH", "LOADING"). */
    public String code() {
        String m = getMessage();
        int space = m.indexOf(' ');
        return space < 0 ? m : m.substring(0, space);
    }
}
