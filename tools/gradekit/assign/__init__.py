"""The instructor's build (`gradekit build`): one percent-format source per lesson → the assignment, in
assignments/<lesson>/: starter module, release notebook, manifest."""
