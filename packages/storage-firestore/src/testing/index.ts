export { startFirestoreEmulator, type FirestoreEmulator } from './firestore-emulator';
