"""The course's own material that graders share: the given models (`given`), the simulated accelerator that
lesson 2.3.2 grades device handling on (`simcuda`), the Hypothesis strategies of lesson 2.3.1 (`strategies`), and
the trusted rebuild of a learner's network (`rebuild`, in the worker) with its layers named for the judge's checks
(`layers`), shared by 2.2.2 and 2.3.3. Lesson-specific, so apart from the harness, which knows no lesson."""
