"""The interactive questionnaire behind ``audit init``: questions, session, prompts and the profile template."""
