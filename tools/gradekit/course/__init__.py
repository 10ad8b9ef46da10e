"""The course's own material that graders share: the given models (`given`), the simulated accelerator that
lesson 2.3.2 grades device handling on (`simcuda`) and the Hypothesis strategies of lesson 2.3.1 (`strategies`).
Lesson-specific, so apart from the harness, which knows no lesson."""
