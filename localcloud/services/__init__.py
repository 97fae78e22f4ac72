"""One module (or package) per AWS service: its provisioners, its pollers, its interceptors.

Nothing here registers itself: `localcloud.index` names what each module provides.
"""
