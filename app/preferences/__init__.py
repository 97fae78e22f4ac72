"""The preference centre: a reader's own page (a signed link in every campaign) to manage what they get."""
