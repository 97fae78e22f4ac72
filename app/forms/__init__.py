"""Sign-up forms: owners build them per list; readers subscribe through them (double opt-in)."""
