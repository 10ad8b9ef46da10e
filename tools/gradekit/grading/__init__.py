"""Grading submissions for course staff and CI: `gradekit grade` and the platform exports."""
