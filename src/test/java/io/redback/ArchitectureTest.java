package io.redback;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rule of docs/architecture.md, checked on the compiled classes (tests are not
 * part of it): {@code cli} may use everything and nothing uses {@code cli}; packages form no
 * cycle; storage backends know nothing of repositories; the stream does not reach into
 * point-in-time restore. A rule about a package that does not exist yet holds trivially.
 */
@io.redback.testsupport.Fast
class ArchitectureTest {
    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        // Where Main was loaded from (target/classes): reading that folder is much quicker than
        // scanning the whole classpath for the package.
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importLocations(Set.of(Location.of(io.redback.cli.Main.class.getProtectionDomain().getCodeSource()
                        .getLocation())));
    }

    @Test
    void nothingDependsOnTheCommandLine() {
        noClasses().that().resideOutsideOfPackage("io.redback.cli..")
                .should().dependOnClassesThat().resideInAPackage("io.redback.cli..")
                .because("cli holds commands, option mixins and output: the work lives in the packages below it")
                .check(main);
    }

    @Test
    void topLevelPackagesFormNoCycle() {
        slices().matching("io.redback.(*)..").should().beFreeOfCycles().check(main);
    }

    @Test
    void noPackageFormsACycleWithItsSubpackages() {
        // e.g. a storage contract that names its backends while they implement it
        slices().matching("io.redback.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void storageKnowsNothingOfRepositories() {
        noClasses().that().resideInAPackage("io.redback.storage..")
                .should().dependOnClassesThat().resideInAPackage("io.redback.repo..")
                .because("a backend stores bytes under keys; what the keys mean is the repository's business")
                .allowEmptyShould(true)
                .check(main);
    }

    @Test
    void storageBackendsRegisterThemselves() {
        noClasses().that().resideInAPackage("io.redback.storage")
                .should().dependOnClassesThat().resideInAnyPackage("io.redback.storage.file..", "io.redback.storage.s3..")
                .because("a backend registers itself; the contract does not list its implementations")
                .allowEmptyShould(true)
                .check(main);
    }

    @Test
    void theStreamDoesNotDependOnPointInTimeRestore() {
        noClasses().that().resideInAPackage("io.redback.stream..")
                .should().dependOnClassesThat().resideInAPackage("io.redback.pitr..")
                .because("both read shipped segments through io.redback.log")
                .check(main);
    }

    @Test
    void theLogReaderIsBelowItsUsers() {
        noClasses().that().resideInAPackage("io.redback.log..")
                .should().dependOnClassesThat()
                .resideInAnyPackage("io.redback.stream..", "io.redback.pitr..", "io.redback.restore..",
                        "io.redback.agent..", "io.redback.doctor..")
                .because("reading a command log is shared by the stream, restores, log listings and checks")
                .allowEmptyShould(true)
                .check(main);
    }
}
