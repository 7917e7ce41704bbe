"""Small shared plumbing that every app may use: CSV downloads, QR images, short codes.

Not a Django app and holds no models; it imports Django and outside libraries but never
an app of this project, so it sits below them all and each helper is written once.
"""
