package io.redback;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.redback.testsupport.Fast;
import io.redback.testsupport.Slow;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every test class is either {@link Fast} or {@link Slow}, never both: {@code -Dgroups=fast}
 * selects by tag, so an untagged class would silently drop out of the quick run.
 */
@Fast
class TestTagsTest {
    private static final List<String> TEST_ANNOTATIONS = List.of("org.junit.jupiter.api.Test",
            "org.junit.jupiter.params.ParameterizedTest", "org.junit.jupiter.api.RepeatedTest",
            "org.junit.jupiter.api.TestFactory", "org.junit.jupiter.api.TestTemplate", "net.jqwik.api.Property",
            "net.jqwik.api.Example");

    @Test
    void everyTestClassIsTaggedFastOrSlow() {
        JavaClasses tests = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importLocations(Set.of(Location.of(TestTagsTest.class.getProtectionDomain().getCodeSource()
                        .getLocation())));
        classes().that(runTests()).should(carryExactlyOneSpeedTag()).check(tests);
    }

    private static DescribedPredicate<JavaClass> runTests() {
        return DescribedPredicate.describe("hold tests", c -> c.isTopLevelClass()
                && !c.getModifiers().contains(JavaModifier.ABSTRACT) && !c.isInterface()
                && c.getAllMethods().stream().anyMatch(m -> TEST_ANNOTATIONS.stream().anyMatch(m::isAnnotatedWith)));
    }

    private static ArchCondition<JavaClass> carryExactlyOneSpeedTag() {
        return new ArchCondition<>("be annotated with exactly one of @Fast and @Slow (io.redback.testsupport)") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                boolean fast = c.isAnnotatedWith(Fast.class);
                boolean slow = c.isAnnotatedWith(Slow.class);
                if (fast == slow) {
                    events.add(SimpleConditionEvent.violated(c, c.getName() + (fast ? " is both @Fast and @Slow"
                            : " has neither @Fast nor @Slow: @Slow if it starts a redis-server, S3Proxy, a JVM or "
                                    + "many processes, else @Fast")));
                }
            }
        };
    }
}
