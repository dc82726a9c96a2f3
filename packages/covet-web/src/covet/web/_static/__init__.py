"""The insides of :mod:`covet.web.staticfiles`: safe path lookup and the asset manifest."""
