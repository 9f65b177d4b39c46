package io.enhance.worker.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The worker's packages form a graph without cycles, so each can be read, changed and tested from the
 * packages below it: a stage that needs to tell another something fires a CDI event instead of importing it.
 */
class PackageCyclesTest {

    private static final JavaClasses MAIN_CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.enhance.worker");

    @Test
    void packagesDependOnEachOtherWithoutCycles() {
        slices().matching("io.enhance.worker.(*)..").should().beFreeOfCycles().check(MAIN_CLASSES);
    }
}
