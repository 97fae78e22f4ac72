"""Herald: the Lambdalith and the domain code every function shares."""
