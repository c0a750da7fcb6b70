package io.redback.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class that runs inside the test JVM only: no redis-server, no S3Proxy, no JVM of its
 * own, no long waits. {@code mvn -B test -Dgroups=fast} runs these (in under a minute); the
 * plain {@code mvn -B test} runs everything. Every test class carries exactly one of
 * {@link Fast} and {@link Slow} ({@code TestTagsTest} fails otherwise). The tag is declared for
 * both JUnit Jupiter and jqwik, so property tests are selected too.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@org.junit.jupiter.api.Tag("fast")
@net.jqwik.api.Tag("fast")
public @interface Fast {
}
