"""The built-in phase plugins, one per phase of the customer journey.

They are registered through the ``kundenkompass`` entry-point group, exactly like
third-party plugins, and each is a template for a plugin of one's own.
"""
