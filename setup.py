from setuptools import setup, find_packages
import shlex
from configparser import ConfigParser

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']
licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
lic = licenses[cfg['license']]
requirements = shlex.split(cfg.get('requirements', ''))
dev_requirements = shlex.split(cfg.get('dev_requirements', ''))
scripts = [s.strip() for s in cfg.get('console_scripts', '').split() if s.strip()]

setup(
    name=cfg['lib_name'], version=cfg['version'], license=lic[0],
    description=cfg['description'], long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    author=cfg['author'], author_email=cfg['author_email'], url=cfg['git_url'],
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])], 'Intended Audience :: ' + cfg['audience'],
                 'License :: ' + lic[1], 'Natural Language :: ' + cfg['language'],
                 'Programming Language :: Python :: 3'],
    packages=find_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']),
    include_package_data=True, package_data={cfg['lib_name']: ['assets/*', 'assets/**/*', 'configs/*']},
    install_requires=requirements, extras_require={'dev': dev_requirements},
    python_requires='>=' + cfg['min_python'], zip_safe=False,
    entry_points={'console_scripts': scripts, 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    keywords=cfg['keywords'],
)
