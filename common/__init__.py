"""Facts that viewer, worklist and app all need, each computed in one place.

This package sits below every other Yomi package: it imports none of them, and no Qt or VTK.
"""
