"""What a grading run tells people: the terminal's score table and JSON report (`report`), the feedback page
(`feedback_page`) and its pictures (`figures`). The plugin and `gradekit grade` write through these."""
